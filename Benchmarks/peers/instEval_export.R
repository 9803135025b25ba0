#!/usr/bin/env Rscript
# Writes lme4's InstEval (73,421 course evaluations) as CSV for the Bayesian course-evaluation
# benchmark (run_stan_insteval.sh): columns y (the rating, 1-5), service (0/1: lme4's factor has
# levels "0", "1", so treatment coding gives the indicator of level "1", lme4's `service1`),
# s (student), d (lecturer), dept (department), in lme4's row order.
#
# Usage: Rscript Benchmarks/peers/instEval_export.R [OUT.csv]
#   default OUT: $MARGINAL_BENCH_CACHE/insteval-lme4.csv, or $TMPDIR/marginal-bench/... (common.sh's
#   cache folder). The file is data, not committed.
suppressPackageStartupMessages(library(lme4))
args <- commandArgs(trailingOnly = TRUE)
cache <- Sys.getenv("MARGINAL_BENCH_CACHE",
                    file.path(Sys.getenv("TMPDIR", "/tmp"), "marginal-bench"))
out <- if (length(args) >= 1) args[[1]] else file.path(cache, "insteval-lme4.csv")
dir.create(dirname(out), showWarnings = FALSE, recursive = TRUE)
data(InstEval, package = "lme4")
stopifnot(identical(levels(InstEval$service), c("0", "1")))
frame <- data.frame(
  y = InstEval$y,
  service = as.integer(InstEval$service == "1"),
  s = as.character(InstEval$s),
  d = as.character(InstEval$d),
  dept = as.character(InstEval$dept))
write.csv(frame, out, row.names = FALSE, quote = FALSE)
cat(sprintf("wrote %s (%d rows; %d s, %d d, %d dept, %d dept:service)\n", out, nrow(frame),
            nlevels(InstEval$s), nlevels(InstEval$d), nlevels(InstEval$dept),
            length(unique(paste(frame$dept, frame$service)))), file = stderr())
