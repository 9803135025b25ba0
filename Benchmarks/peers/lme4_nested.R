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

here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[[1]]))
source(file.path(here, "lme4_common.R"))
command <- peer_arguments(2, "usage: Rscript lme4_nested.R FILE.csv 'FORMULA' [K]")
path <- command$args[[1]]
formula_text <- command$args[[2]]

suppressPackageStartupMessages(library(lme4))

data <- read.csv(path, colClasses = c(y = "numeric", x = "numeric", school = "factor",
                                      class = "factor", region = "factor"))
formula <- as.formula(formula_text)
timed <- timed_fits(formula, data, command$runs)
fit <- timed$fit

warnings_text <- as.character(unlist(fit@optinfo$conv$lme4$messages))
print_json(c(tool_fields(path),
             list(formula = quoted(formula_text),
                  rows = sprintf("%d", nrow(data)),
                  ngrps = named(ngrps(fit))),
             timing_fields(timed),
             list(convergence_messages = sprintf("[%s]", paste(vapply(warnings_text, quoted, ""), collapse = ", ")),
                  singular = if (isSingular(fit)) "true" else "false"),
             estimate_fields(fit)))
