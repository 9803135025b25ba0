# Shared by the lme4 peer benchmarks (lme4_insteval.R, lme4_nested.R): the command line, the
# timed fits and the JSON they print. Each script sources this file from its own folder.

# The command line `SCRIPT ARG1 .. ARGn [K]`: list(args = the n arguments, runs = K, default 3).
# Too few arguments print `usage` and quit with status 2, as does a K that is not a positive integer.
peer_arguments <- function(n, usage) {
  args <- commandArgs(trailingOnly = TRUE)
  if (length(args) < n) {
    cat(usage, "\n", sep = "", file = stderr())
    quit(status = 2)
  }
  runs <- if (length(args) > n) as.integer(args[[n + 1]]) else 3L
  if (is.na(runs) || runs < 1) {
    cat("K must be a positive integer\n", file = stderr())
    quit(status = 2)
  }
  list(args = args[seq_len(n)], runs = runs)
}

# `runs` REML fits of `formula` (lme4's default optimizer: nloptwrap, BOBYQA), each timed alone
# after a gc(): list(fit = the last fit, seconds = the elapsed seconds of each).
timed_fits <- function(formula, data, runs) {
  seconds <- numeric(runs)
  fit <- NULL
  for (k in seq_len(runs)) {
    gc()
    start <- proc.time()[["elapsed"]]
    fit <- lmer(formula, data = data, REML = TRUE)
    seconds[k] <- proc.time()[["elapsed"]] - start
  }
  list(fit = fit, seconds = seconds)
}

# JSON values, as text.
number <- function(x) sprintf("%.17g", x)
numbers <- function(x) paste0("[", paste(vapply(x, number, ""), collapse = ", "), "]")
named <- function(x) {
  paste0("{", paste(sprintf("\"%s\": %s", names(x), vapply(x, number, "")), collapse = ", "), "}")
}
quoted <- function(s) paste0("\"", gsub("\"", "\\\\\"", s), "\"")

# The fields that open the object: the tool and the CSV's path.
tool_fields <- function(path) {
  list(tool = quoted(sprintf("lme4 %s (R %s.%s)", packageVersion("lme4"), R.version$major, R.version$minor)),
       file = quoted(path))
}

# The timing and optimizer fields of `timed_fits`'s result.
timing_fields <- function(timed) {
  fit <- timed$fit
  list(runs = sprintf("%d", length(timed$seconds)),
       fit_seconds_median = number(median(timed$seconds)),
       fit_seconds = numbers(timed$seconds),
       reml_criterion = number(REMLcrit(fit)),
       evaluations = sprintf("%d", as.integer(fit@optinfo$feval)),
       optimizer = quoted(fit@optinfo$optimizer))
}

# The estimates, the fields that close the object.
estimate_fields <- function(fit) {
  list(theta = named(getME(fit, "theta")),
       fixed_effects = named(fixef(fit)),
       sigma = number(sigma(fit)))
}

# Prints a named list of JSON values (text) as one object, a field a line.
print_json <- function(fields) {
  cat("{\n", paste0("  \"", names(fields), "\": ", unlist(fields), collapse = ",\n"), "\n}\n", sep = "")
}
