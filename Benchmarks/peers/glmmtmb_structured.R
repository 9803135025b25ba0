#!/usr/bin/env Rscript
# Peer benchmark for the structured covariance terms: glmmTMB 1.1.5's fits, at its default
# controls, of the models of Tests/MarginalTests/Fixtures/reference/structured (the references
# Marginal matches) and of the 50,000-row AR(1) designs written by the runner.
#
# Usage: Rscript glmmtmb_structured.R simulate CACHE
#          writes CACHE/ar1-50k.csv and CACHE/bernoulli-ar1-50k.csv (5,000 subjects x 10 times,
#          an AR(1) trajectory with sd 1 and rho 0.6 (Gaussian, noise sd 0.7) or 0.7 (Bernoulli,
#          logit P = -0.3 + 0.4 x + b)), seeded, if they are missing;
#        Rscript glmmtmb_structured.R time CACHE FIXTURES REPEATS
# `time` prints one JSON line per model: {"case", "seconds" (the median fit-only time over REPEATS fits;
# reading the CSV and loading glmmTMB are not timed), "deviance" (-2 log L, or the REML criterion)}.
suppressMessages(library(glmmTMB))
args <- commandArgs(trailingOnly = TRUE)
cache <- args[2]
trajectories <- function(n_id, n_t, rho) t(sapply(seq_len(n_id), function(i) as.numeric(arima.sim(list(ar = rho), n_t, sd = sqrt(1 - rho^2)))))
if (args[1] == "simulate") {
  if (!file.exists(file.path(cache, "ar1-50k.csv"))) {
    set.seed(50)
    d <- expand.grid(time = 1:10, id = sprintf("i%05d", 1:5000))
    b <- trajectories(5000, 10, 0.6)
    d$x <- round(rnorm(nrow(d)), 3)
    d$y <- round(1 + 0.2 * d$time + 0.5 * d$x + b[cbind(as.integer(factor(d$id)), d$time)] + rnorm(nrow(d), sd = 0.7), 4)
    write.csv(d, file.path(cache, "ar1-50k.csv"), row.names = FALSE)
  }
  if (!file.exists(file.path(cache, "bernoulli-ar1-50k.csv"))) {
    set.seed(51)
    d <- expand.grid(time = 1:10, id = sprintf("i%05d", 1:5000))
    b <- trajectories(5000, 10, 0.7)
    d$x <- round(rnorm(nrow(d)), 3)
    d$y <- rbinom(nrow(d), 1, plogis(-0.3 + 0.4 * d$x + b[cbind(as.integer(factor(d$id)), d$time)]))
    write.csv(d, file.path(cache, "bernoulli-ar1-50k.csv"), row.names = FALSE)
  }
  quit(save = "no")
}
fixtures <- args[3]; repeats <- as.integer(args[4])
read <- function(file) read.csv(file.path(fixtures, file), stringsAsFactors = FALSE)
time_fit <- function(case, fit) {
  seconds <- numeric(repeats)
  for (r in seq_len(repeats)) {
    t0 <- Sys.time()
    m <- fit()
    seconds[r] <- as.numeric(difftime(Sys.time(), t0, units = "secs"))
  }
  deviance <- if (isTRUE(m$modelInfo$REML)) 2 * m$fit$objective else -2 * as.numeric(logLik(m))
  cat(sprintf('{"case": "%s", "seconds": %.4f, "deviance": %.8f}\n', case, median(seconds), deviance))
}
orthodont <- read("orthodont.csv"); orthodont$agef <- factor(orthodont$age)
repeated <- read("repeated.csv"); repeated$timef <- factor(repeated$time)
ou <- read("ou.csv"); ou$pos <- numFactor(ou$time)
matern <- read("matern.csv"); matern$p <- numFactor(matern$pos)
spatial <- read("spatial.csv"); spatial$pos <- numFactor(spatial$x, spatial$y); spatial$group <- factor(spatial$group)
machines <- read("machines.csv")
sleepstudy <- read.csv(file.path(fixtures, "../../../../../Examples/sleepstudy.csv"))
binary <- read("binary_ar1.csv"); binary$timef <- factor(binary$time)
counts <- read("poisson_gau.csv"); counts$p <- numFactor(counts$pos)
time_fit("orthodont-ar1-ml", function() glmmTMB(distance ~ age + Sex + ar1(agef + 0 | Subject), orthodont))
time_fit("orthodont-ar1-reml", function() glmmTMB(distance ~ age + Sex + ar1(agef + 0 | Subject), orthodont, REML = TRUE))
time_fit("repeated-ar1-ml", function() glmmTMB(y ~ time + x + ar1(timef + 0 | id), repeated))
time_fit("repeated-toep-reml", function() glmmTMB(y ~ time + x + toep(timef + 0 | id), repeated, REML = TRUE))
time_fit("ou-ml", function() glmmTMB(y ~ time + ou(pos + 0 | id), ou))
time_fit("exp-ml", function() glmmTMB(y ~ time + exp(pos + 0 | id), ou))
time_fit("gau-ml", function() glmmTMB(y ~ time + gau(pos + 0 | id), ou))
time_fit("mat-ml", function() glmmTMB(y ~ 1 + mat(p + 0 | site), matern, start = list(theta = c(0, 0, 0.4))))
time_fit("spatial-exp-ml", function() glmmTMB(z ~ 1 + exp(pos + 0 | group), spatial))
time_fit("machines-cs-ml", function() glmmTMB(score ~ Machine + cs(Machine + 0 | Worker), machines))
time_fit("sleepstudy-diag-ml", function() glmmTMB(Reaction ~ Days + diag(1 + Days | Subject), sleepstudy))
time_fit("bernoulli-ar1", function() glmmTMB(y ~ x + ar1(timef + 0 | id), binary, family = binomial()))
time_fit("poisson-gau", function() glmmTMB(count ~ 1 + gau(p + 0 | site), counts, family = poisson()))
large <- read.csv(file.path(cache, "ar1-50k.csv")); large$tf <- factor(large$time)
time_fit("gaussian-ar1-50k", function() glmmTMB(y ~ time + x + ar1(tf + 0 | id), large))
large_binary <- read.csv(file.path(cache, "bernoulli-ar1-50k.csv")); large_binary$tf <- factor(large_binary$time)
time_fit("bernoulli-ar1-50k", function() glmmTMB(y ~ x + ar1(tf + 0 | id), large_binary, family = binomial()))
