#!/usr/bin/env Rscript
# Peer benchmark: lme4's REML fit of y ~ 1 + service + (1 | s) + (1 | d) + (1 | dept) on a CSV
# written by `marginal simulate insteval`.
#
# Usage: Rscript lme4_insteval.R FILE.csv [K]
#   K (default 3): number of timed fits; the reported time is their median.
# Prints one JSON object: fit-only seconds (reading the CSV is not timed), the REML criterion,
# the number of objective evaluations, theta, the fixed effects and sigma.
# Run with OPENBLAS_NUM_THREADS=1 to compare with a single-threaded fit.

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 1) {
  cat("usage: Rscript lme4_insteval.R FILE.csv [K]\n", file = stderr())
  quit(status = 2)
}
path <- args[[1]]
runs <- if (length(args) >= 2) as.integer(args[[2]]) else 3L
if (is.na(runs) || runs < 1) {
  cat("K must be a positive integer\n", file = stderr())
  quit(status = 2)
}

suppressPackageStartupMessages(library(lme4))

data <- read.csv(path, colClasses = c(s = "factor", d = "factor", dept = "factor",
                                      service = "factor", y = "numeric"))
formula <- y ~ 1 + service + (1 | s) + (1 | d) + (1 | dept)

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

theta <- getME(fit, "theta")
cat("{\n",
    sprintf("  \"tool\": \"lme4 %s (R %s.%s)\",\n", packageVersion("lme4"), R.version$major, R.version$minor),
    sprintf("  \"file\": \"%s\",\n", gsub("\"", "\\\\\"", path)),
    sprintf("  \"rows\": %d,\n", nrow(data)),
    sprintf("  \"runs\": %d,\n", runs),
    sprintf("  \"fit_seconds_median\": %s,\n", number(median(seconds))),
    sprintf("  \"fit_seconds\": %s,\n", numbers(seconds)),
    sprintf("  \"reml_criterion\": %s,\n", number(REMLcrit(fit))),
    sprintf("  \"evaluations\": %d,\n", as.integer(fit@optinfo$feval)),
    sprintf("  \"optimizer\": \"%s\",\n", fit@optinfo$optimizer),
    sprintf("  \"theta\": %s,\n", named(theta)),
    sprintf("  \"fixed_effects\": %s,\n", named(fixef(fit))),
    sprintf("  \"sigma\": %s\n", number(sigma(fit))),
    "}\n", sep = "")
