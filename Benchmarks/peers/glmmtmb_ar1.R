#!/usr/bin/env Rscript
# Peer benchmark: glmmTMB 1.1.5's ML fit of a Gaussian AR(1) random-effect model on simulated
# repeated measures (N subjects x T equally spaced times, an AR(1) trajectory with sd 1 and
# rho 0.6, noise sd 0.7), writing the data for Marginal first.
#
# Usage: Rscript glmmtmb_ar1.R OUT.csv [N] [T]   (defaults 5000 and 10: 50,000 rows)
# then:  marginal fit OUT.csv -f 'y ~ time + x + ar1(time + 0 | id)' --ml
# Prints glmmTMB's fit-only seconds (reading the CSV is not timed), -2 log L and its theta
# (log sd, and t with rho = t / sqrt(1 + t^2)).
suppressMessages(library(glmmTMB))
args <- commandArgs(trailingOnly = TRUE)
out <- args[1]
n_id <- if (length(args) > 1) as.integer(args[2]) else 5000L
n_t <- if (length(args) > 2) as.integer(args[3]) else 10L
set.seed(50)
d <- expand.grid(time = seq_len(n_t), id = sprintf("i%05d", seq_len(n_id)))
traj <- t(sapply(seq_len(n_id), function(i) as.numeric(arima.sim(list(ar = 0.6), n_t, sd = sqrt(1 - 0.36)))))
d$x <- round(rnorm(nrow(d)), 3)
d$y <- round(1 + 0.2 * d$time + 0.5 * d$x + traj[cbind(as.integer(factor(d$id)), d$time)] + rnorm(nrow(d), sd = 0.7), 4)
write.csv(d, out, row.names = FALSE)
d <- read.csv(out)
d$tf <- factor(d$time)
t0 <- Sys.time()
m <- glmmTMB(y ~ time + x + ar1(tf + 0 | id), d, REML = FALSE)
seconds <- as.numeric(difftime(Sys.time(), t0, units = "secs"))
cat(sprintf('{"seconds": %.3f, "deviance": %.8f, "theta": [%s]}\n', seconds, -2 * as.numeric(logLik(m)),
            paste(sprintf("%.8f", getME(m, "theta")), collapse = ", ")))
