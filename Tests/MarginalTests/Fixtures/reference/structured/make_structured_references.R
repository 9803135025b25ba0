# Reference fits for the structured-covariance tests (StructuredCovarianceReferenceTests.swift):
# glmmTMB 1.1.5 with its optimizer (nlminb) run to convergence (rel.tol 1e-14, up to 10^4
# iterations), and lme4 1.1-31 where it has an equivalent model. Run from this directory:
#   Rscript make_structured_references.R
# It writes the data sets (CSV, beside this script) and prints the numbers the tests store:
# -2 log-likelihood (ML deviance or REML criterion), fixed effects, residual SD, and the
# structure's parameters as glmmTMB reports them (SDs, correlation rho, range / rate), plus the
# largest absolute gradient of glmmTMB's objective at its optimum.
suppressMessages({ library(glmmTMB); library(lme4); library(nlme) })
options(digits = 15)
tight <- glmmTMBControl(optCtrl = list(iter.max = 1e4, eval.max = 1e4, rel.tol = 1e-14, x.tol = 0))

# nlminb stops with "singular convergence (7)" at gradients up to 1e-3; five Newton steps on
# TMB's exact gradient (Hessian by differences of it) take them below 1e-6, and the fit object
# is left at the polished point (the printed gradients are after polishing).
polish <- function(fit) {
  obj <- fit$obj
  par <- fit$fit$par
  for (i in 1:5) par <- par - solve(optimHess(par, obj$fn, obj$gr), obj$gr(par))
  fit$fit$par <- par
  fit$fit$objective <- obj$fn(par)
  fit$sdr <- TMB::sdreport(obj, par)
  fit
}

# The structure's parameters from glmmTMB's theta (its C++ transforms): diag and the first n
# of cs/toep are log SDs; ar1 and toep correlations are t / sqrt(1 + t^2); cs's correlation is
# plogis(t) (1 + a) - a with a = 1 / (n - 1); ou's correlation is exp(-exp(t) |d|) (a rate); exp
# and gau have exp(-|d| / range) and exp(-(d / range)^2) with range = exp(t); mat has range
# exp(t2) and smoothness exp(t3).
structure <- function(kind, theta) {
  n <- length(theta)
  switch(kind,
    diag = list(sd = exp(theta)),
    ar1 = list(sd = exp(theta[1]), rho = theta[2] / sqrt(1 + theta[2]^2)),
    toep = { s <- (n + 1) / 2; list(sd = exp(theta[1:s]), rho = theta[-(1:s)] / sqrt(1 + theta[-(1:s)]^2)) },
    cs = { a <- 1 / (n - 2); list(sd = exp(theta[1:(n - 1)]), rho = plogis(theta[n]) * (1 + a) - a) },
    ou = list(sd = exp(theta[1]), rate = exp(theta[2])),
    exp = , gau = list(sd = exp(theta[1]), range = exp(theta[2])),
    mat = list(sd = exp(theta[1]), range = exp(theta[2]), smoothness = exp(theta[3])))
}

report <- function(label, kind, fit) {
  cat("==", label, "\n")
  cat(" before polishing: -2logLik", sprintf("%.10f", -2 * as.numeric(logLik(fit))),
      " max |gradient|", sprintf("%.2e", max(abs(fit$sdr$gradient.fixed))), "\n")
  fit <- polish(fit)
  obj <- fit$obj
  pl <- obj$env$parList(fit$fit$par, obj$env$last.par)
  cat(" -2logLik", sprintf("%.10f", 2 * obj$fn(fit$fit$par)), "\n")
  cat(" beta", sprintf("%.10f", obj$env$parList(fit$fit$par, obj$env$last.par)$beta), "\n")
  if (family(fit)$family == "gaussian") cat(" sigma", sprintf("%.10f", exp(pl$betad / 2)), "\n")  # glmmTMB 1.1.5: betad = log sigma^2
  cat(" theta (glmmTMB's)", sprintf("%.10f", pl$theta), "\n")
  parameters <- structure(kind, pl$theta)
  for (name in names(parameters)) cat(" ", name, sprintf("%.10f", parameters[[name]]), "\n")
  cat(" max |gradient|", sprintf("%.2e", max(abs(obj$gr(fit$fit$par)))), "\n")
}

# 1. nlme's Orthodont (27 children, ages 8-14, equally spaced): AR(1) over the four ages.
data(Orthodont, package = "nlme")
orthodont <- data.frame(distance = Orthodont$distance, age = Orthodont$age,
                        Subject = as.character(Orthodont$Subject), Sex = as.character(Orthodont$Sex))
write.csv(orthodont, "orthodont.csv", row.names = FALSE)
orthodont$agef <- factor(orthodont$age)
for (reml in c(FALSE, TRUE))
  report(paste("orthodont ar1, REML =", reml), "ar1",
         glmmTMB(distance ~ age + Sex + ar1(agef + 0 | Subject), orthodont, REML = reml, control = tight))

# 2. Simulated repeated measures: 50 subjects x 6 equally spaced times x 2 replicates, an AR(1)
#    subject trajectory (sd 1.2, rho 0.6) and noise (sd 0.8), with 10% of the rows dropped.
set.seed(14)
repeated <- expand.grid(rep = 1:2, time = 1:6, id = sprintf("s%02d", 1:50))
trajectory <- t(sapply(1:50, function(i) as.numeric(arima.sim(list(ar = 0.6), 6, sd = 1.2 * sqrt(1 - 0.36)))))
repeated$x <- round(rnorm(nrow(repeated)), 4)
repeated$y <- round(2 + 0.3 * repeated$time + 0.5 * repeated$x +
                    trajectory[cbind(as.integer(factor(repeated$id)), repeated$time)] + rnorm(nrow(repeated), sd = 0.8), 4)
repeated <- repeated[sort(sample(nrow(repeated), round(0.9 * nrow(repeated)))), c("id", "time", "x", "y")]
write.csv(repeated, "repeated.csv", row.names = FALSE)
repeated$timef <- factor(repeated$time)
for (reml in c(FALSE, TRUE))
  report(paste("repeated ar1, REML =", reml), "ar1",
         glmmTMB(y ~ time + x + ar1(timef + 0 | id), repeated, REML = reml, control = tight))
report("repeated toep, REML = TRUE", "toep", glmmTMB(y ~ time + x + toep(timef + 0 | id), repeated, REML = TRUE, control = tight))

# 3. Ornstein-Uhlenbeck over unequal gaps: 60 subjects seen at 4-6 of the times below, an OU
#    trajectory (sd 1, rate 0.5: correlation exp(-0.5 |t - t'|)) and noise (sd 0.5).
set.seed(41)
times <- c(0, 0.3, 1, 1.8, 3.5, 6)
rows <- do.call(rbind, lapply(1:60, function(i) {
  seen <- sort(sample(times, sample(4:6, 1)))
  K <- exp(-0.5 * abs(outer(seen, seen, "-")))
  b <- drop(t(chol(K)) %*% rnorm(length(seen)))
  data.frame(id = sprintf("p%02d", i), time = seen, b = b)
}))
rows$y <- round(1 - 0.2 * rows$time + rows$b + rnorm(nrow(rows), sd = 0.5), 4)
ou <- rows[, c("id", "time", "y")]
write.csv(ou, "ou.csv", row.names = FALSE)
ou$pos <- numFactor(ou$time)
for (reml in c(FALSE, TRUE))
  report(paste("ou, REML =", reml), "ou", glmmTMB(y ~ time + ou(pos + 0 | id), ou, REML = reml, control = tight))
report("exp, REML = FALSE", "exp", glmmTMB(y ~ time + exp(pos + 0 | id), ou, REML = FALSE, control = tight))
report("gau, REML = FALSE", "gau", glmmTMB(y ~ time + gau(pos + 0 | id), ou, REML = FALSE, control = tight))

# 3b. Matern with its smoothness estimated: 100 sites seen at 6-9 of 10 unequally spaced positions,
#     a Matern field with smoothness 1.5 (glmmTMB's scaling: correlation (1 + d/phi) exp(-d/phi)),
#     range 1, sd 1, and noise (sd 0.4). (On ou.csv the Matern likelihood rises towards infinite
#     smoothness, the gau kernel, and glmmTMB stops with NA/NaN gradients.)
set.seed(43)
spots <- c(0, 0.4, 0.9, 1.5, 2.2, 3, 3.9, 5, 6.3, 8)
rows <- do.call(rbind, lapply(1:100, function(i) {
  seen <- sort(sample(spots, sample(6:9, 1)))
  d <- abs(outer(seen, seen, "-"))
  K <- (1 + d) * exp(-d)
  data.frame(site = sprintf("m%03d", i), pos = seen, b = drop(t(chol(K)) %*% rnorm(length(seen))))
}))
rows$y <- round(2 + rows$b + rnorm(nrow(rows), sd = 0.4), 4)
matern <- rows[, c("site", "pos", "y")]
write.csv(matern, "matern.csv", row.names = FALSE)
matern$p <- numFactor(matern$pos)
report("mat, REML = FALSE", "mat", glmmTMB(y ~ 1 + mat(p + 0 | site), matern, REML = FALSE, control = tight,
                                             start = list(theta = c(0, 0, 0.4))))

# 3c. Two-dimensional coordinates, glmmTMB's spatial form: 60 sites in [0, 10]^2 with 2 or 3
#     observations each, one exponential field (sd 1, range 3) over all of them (a grouping factor
#     with one level) and noise (sd 0.5).
set.seed(44)
sites <- data.frame(x = round(runif(60, 0, 10), 2), y = round(runif(60, 0, 10), 2))
field <- drop(t(chol(exp(-as.matrix(dist(sites)) / 3))) %*% rnorm(60))
reps <- sample(2:3, 60, replace = TRUE)
spatial <- data.frame(x = rep(sites$x, reps), y = rep(sites$y, reps), group = "all")
spatial$z <- round(1 + rep(field, reps) + rnorm(nrow(spatial), sd = 0.5), 4)
write.csv(spatial, "spatial.csv", row.names = FALSE)
spatial$pos <- numFactor(spatial$x, spatial$y)
report("spatial exp, REML = FALSE", "exp", glmmTMB(z ~ 1 + exp(pos + 0 | group), spatial, REML = FALSE, control = tight))
report("spatial gau, REML = TRUE", "gau", glmmTMB(z ~ 1 + gau(pos + 0 | group), spatial, REML = TRUE, control = tight))

# The Bessel function the Matern correlation needs, K_nu(x) and K_{nu+1}(x), from R's besselK.
for (nu in c(0.1, 0.5, 1.3, 2.5, 4.7)) for (x in c(0.05, 0.7, 1.9, 2.1, 5, 30))
  cat(" besselK", nu, x, sprintf("%.17g", besselK(x, nu)), sprintf("%.17g", besselK(x, nu + 1)), "\n")

# 4. cs on lme4's Machines (heterogeneous compound symmetry over the three machines), and lme4's
#    nested model (1 | Worker) + (1 | Worker:Machine), the homogeneous special case.
data(Machines, package = "nlme")
machines <- data.frame(score = Machines$score, Worker = as.character(Machines$Worker), Machine = as.character(Machines$Machine))
write.csv(machines, "machines.csv", row.names = FALSE)
for (reml in c(FALSE, TRUE))
  report(paste("machines cs, REML =", reml), "cs",
         glmmTMB(score ~ Machine + cs(Machine + 0 | Worker), machines, REML = reml, control = tight))
nested <- lmer(score ~ Machine + (1 | Worker) + (1 | Worker:Machine), machines, REML = FALSE)
cat("== lme4 nested (1 | Worker) + (1 | Worker:Machine), ML\n -2logLik", sprintf("%.10f", -2 * as.numeric(logLik(nested))), "\n")

# 5. diag on sleepstudy: glmmTMB's diag and lme4's (1 + Days || Subject).
data(sleepstudy, package = "lme4")
for (reml in c(FALSE, TRUE)) {
  report(paste("sleepstudy diag, REML =", reml), "diag",
         glmmTMB(Reaction ~ Days + diag(1 + Days | Subject), sleepstudy, REML = reml, control = tight))
  m <- lmer(Reaction ~ Days + (1 + Days || Subject), sleepstudy, REML = reml)
  cat(" lme4 (1 + Days || Subject) -2logLik", sprintf("%.10f", -2 * as.numeric(logLik(m))), "\n")
}

# 6. Generalized models by the Laplace approximation (glmmTMB's, exact for these canonical links).
#    (a) Bernoulli with an AR(1) subject trajectory: 150 subjects x 6 times x 2 replicates,
#        trajectory sd 1, rho 0.7, logit P = -0.3 + 0.4 x + b.
set.seed(1401)
binary <- expand.grid(rep = 1:2, time = 1:6, id = sprintf("b%03d", 1:150))
trajectory <- t(sapply(1:150, function(i) as.numeric(arima.sim(list(ar = 0.7), 6, sd = sqrt(1 - 0.49)))))
binary$x <- round(rnorm(nrow(binary)), 3)
eta <- -0.3 + 0.4 * binary$x + trajectory[cbind(as.integer(factor(binary$id)), binary$time)]
binary$y <- rbinom(nrow(binary), 1, plogis(eta))
binary <- binary[, c("id", "time", "x", "y")]
write.csv(binary, "binary_ar1.csv", row.names = FALSE)
binary$timef <- factor(binary$time)
report("bernoulli ar1 (Laplace)", "ar1", glmmTMB(y ~ x + ar1(timef + 0 | id), binary, family = binomial(), control = tight))

#    (b) Poisson with a squared-exponential (gau) site effect over 8 unequally spaced positions:
#        80 sites seen at 5-8 positions, sd 0.6, range 2, log mean = 0.5 + b.
set.seed(1402)
positions <- c(0, 0.5, 1.2, 2, 3.1, 4.5, 6, 8)
rows <- do.call(rbind, lapply(1:80, function(i) {
  seen <- sort(sample(positions, sample(5:8, 1)))
  K <- 0.36 * exp(-(outer(seen, seen, "-") / 2)^2) + diag(1e-8, length(seen))
  data.frame(site = sprintf("s%02d", i), pos = seen, b = drop(t(chol(K)) %*% rnorm(length(seen))))
}))
rows$count <- rpois(nrow(rows), exp(0.5 + rows$b))
counts <- rows[, c("site", "pos", "count")]
write.csv(counts, "poisson_gau.csv", row.names = FALSE)
counts$p <- numFactor(counts$pos)
report("poisson gau (Laplace)", "gau", glmmTMB(count ~ 1 + gau(p + 0 | site), counts, family = poisson(), control = tight))
