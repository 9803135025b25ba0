#!/usr/bin/env Rscript
# Peer benchmark: lme4's REML fit of a nested-design formula on a CSV written by
# simulate_nested.py (columns y, x, school, class, region).
#
# Usage: Rscript lme4_nested.R FILE.csv 'FORMULA' [K]
#   e.g. Rscript lme4_nested.R nested.csv 'y ~ 1 + x + (1 | school/class)' 3
#   K (default 3): number of timed fits; the reported time is their median.
# Prints one JSON object: fit-only seconds (reading the CSV is not timed), the REML criterion,
# the number of objective evaluations, theta, the fixed effects and sigma.
# Run with OPENBLAS_NUM_THREADS=1 to compare with a single-threaded fit.

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 2) {
  cat("usage: Rscript lme4_nested.R FILE.csv 'FORMULA' [K]\n", file = stderr())
  quit(status = 2)
}
path <- args[[1]]
formula_text <- args[[2]]
runs <- if (length(args) >= 3) as.integer(args[[3]]) else 3L
if (is.na(runs) || runs < 1) {
  cat("K must be a positive integer\n", file = stderr())
  quit(status = 2)
}

suppressPackageStartupMessages(library(lme4))

data <- read.csv(path, colClasses = c(y = "numeric", x = "numeric", school = "factor",
                                      class = "factor", region = "factor"))
formula <- as.formula(formula_text)

seconds <- numeric(runs)
fit <- NULL
for (k in seq_len(runs)) {
  gc()
  start <- proc.time()[["elapsed"]]
  fit <- lmer(formula, data = data, REML = TRUE)   # default optimizer: nloptwrap (BOBYQA)
  seconds[k] <- proc.time()[["elapsed"]] - start
}

number <- function(x) sprintf("%.17g", x)
numbers <- function(x) paste0("[", paste(vapply(x, number, ""), collapse = ", "), "]")
named <- function(x) {
  paste0("{", paste(sprintf("\"%s\": %s", names(x), vapply(x, number, "")), collapse = ", "), "}")
}
quoted <- function(s) paste0("\"", gsub("\"", "\\\\\"", s), "\"")

theta <- getME(fit, "theta")
warnings_text <- as.character(unlist(fit@optinfo$conv$lme4$messages))
cat("{\n",
    sprintf("  \"tool\": \"lme4 %s (R %s.%s)\",\n", packageVersion("lme4"), R.version$major, R.version$minor),
    sprintf("  \"file\": %s,\n", quoted(path)),
    sprintf("  \"formula\": %s,\n", quoted(formula_text)),
    sprintf("  \"rows\": %d,\n", nrow(data)),
    sprintf("  \"ngrps\": %s,\n", named(ngrps(fit))),
    sprintf("  \"runs\": %d,\n", runs),
    sprintf("  \"fit_seconds_median\": %s,\n", number(median(seconds))),
    sprintf("  \"fit_seconds\": %s,\n", numbers(seconds)),
    sprintf("  \"reml_criterion\": %s,\n", number(REMLcrit(fit))),
    sprintf("  \"evaluations\": %d,\n", as.integer(fit@optinfo$feval)),
    sprintf("  \"optimizer\": \"%s\",\n", fit@optinfo$optimizer),
    sprintf("  \"convergence_messages\": [%s],\n", paste(vapply(warnings_text, quoted, ""), collapse = ", ")),
    sprintf("  \"singular\": %s,\n", if (isSingular(fit)) "true" else "false"),
    sprintf("  \"theta\": %s,\n", named(theta)),
    sprintf("  \"fixed_effects\": %s,\n", named(fixef(fit))),
    sprintf("  \"sigma\": %s\n", number(sigma(fit))),
    "}\n", sep = "")
