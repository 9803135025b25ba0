#!/usr/bin/env Rscript
# Peer benchmark: lme4's REML fit of y ~ 1 + service + (1 | s) + (1 | d) + (1 | dept) on a CSV
# written by `marginal simulate insteval`.
#
# Usage: Rscript lme4_insteval.R FILE.csv [K]
#   K (default 3): number of timed fits; the reported time is their median.
# Prints one JSON object: fit-only seconds (reading the CSV is not timed), the REML criterion,
# the number of objective evaluations, theta, the fixed effects and sigma.
# Run with OPENBLAS_NUM_THREADS=1 to compare with a single-threaded fit.

here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[[1]]))
source(file.path(here, "lme4_common.R"))
command <- peer_arguments(1, "usage: Rscript lme4_insteval.R FILE.csv [K]")
path <- command$args[[1]]

suppressPackageStartupMessages(library(lme4))

data <- read.csv(path, colClasses = c(s = "factor", d = "factor", dept = "factor",
                                      service = "factor", y = "numeric"))
formula <- y ~ 1 + service + (1 | s) + (1 | d) + (1 | dept)
timed <- timed_fits(formula, data, command$runs)

print_json(c(tool_fields(path),
             list(rows = sprintf("%d", nrow(data))),
             timing_fields(timed),
             estimate_fields(timed$fit)))
