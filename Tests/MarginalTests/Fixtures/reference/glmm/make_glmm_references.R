# Reference fits for the generalized linear mixed model tests (GeneralizedReferenceTests.swift).
# lme4 1.1-31 with PIRLS converged tightly (glmerControl(tolPwrss = 1e-12); its default 1e-7 leaves
# the log-determinant of its Laplace deviance about 6e-4 high, because L is formed at weights one
# PIRLS step behind the mode) and glmmTMB 1.1.5 (TMB's exact Laplace), on lme4's cbpp data
# (Examples/cbpp.csv). Prints the numbers the tests store.
suppressMessages({ library(lme4); library(glmmTMB) })
data(cbpp)
cases <- list(
  logit   = list(f = cbind(incidence, size - incidence) ~ period + (1 | herd), family = binomial()),
  probit  = list(f = cbind(incidence, size - incidence) ~ period + (1 | herd), family = binomial(link = "probit")),
  poisson = list(f = incidence ~ period + offset(log(size)) + (1 | herd), family = poisson()))
for (name in names(cases)) {
  case <- cases[[name]]
  m <- glmer(case$f, cbpp, family = case$family, control = glmerControl(tolPwrss = 1e-12, optCtrl = list(maxfun = 1e5)))
  t <- glmmTMB(case$f, cbpp, family = case$family)
  cat(name, "\n")
  cat(" lme4 deviance", sprintf("%.12f", -2 * logLik(m)), "\n")
  cat(" glmmTMB deviance", sprintf("%.12f", -2 * logLik(t)), "\n")
  cat(" sd", sprintf("%.10f", sqrt(VarCorr(m)$herd[1])), sprintf("%.10f", sqrt(VarCorr(t)$cond$herd[1])), "\n")
  cat(" beta", sprintf("%.10f", fixef(m)), "\n")
  cat(" tmb beta", sprintf("%.10f", fixef(t)$cond), "\n")
  cat(" se", sprintf("%.10f", sqrt(diag(vcov(m)))), "\n")
  cat(" tmb se", sprintf("%.10f", sqrt(diag(vcov(t)$cond))), "\n")
}

# The bundled examples (run from the repository's root): lme4's grouseticks with an
# observation-level effect, the simulated crossed and random-slope binary designs, and lme4's
# VerbAgg (exported as Examples/VerbAgg.csv with write.csv(VerbAgg[, c("r2", "Anger", "Gender",
# "btype", "situ", "id", "item")])).
example <- function(file, formula, family, factors = character()) {
  d <- read.csv(file.path("Examples", file), stringsAsFactors = TRUE)
  for (f in factors) d[[f]] <- factor(d[[f]])
  m <- glmer(formula, d, family = family, control = glmerControl(tolPwrss = 1e-12, optCtrl = list(maxfun = 1e5)))
  t <- glmmTMB(formula, d, family = family)
  cat(file, deparse(formula), "\n")
  cat(" lme4 deviance", sprintf("%.10f", -2 * logLik(m)), " glmmTMB deviance", sprintf("%.10f", -2 * logLik(t)), "\n")
  cat(" sd", sprintf("%.10f", unlist(lapply(VarCorr(t)$cond, function(v) sqrt(diag(v))))), "\n")
  cat(" lme4 sd", sprintf("%.10f", unlist(lapply(VarCorr(m), function(v) sqrt(diag(v))))), "\n")
  cat(" beta", sprintf("%.10f", fixef(t)$cond), "\n")
  cat(" lme4 beta", sprintf("%.10f", fixef(m)), "\n")
  cat(" se", sprintf("%.10f", sqrt(diag(vcov(t)$cond))), "\n")
  cat(" lme4 se", sprintf("%.10f", sqrt(diag(vcov(m)))), "\n")
}
example("grouseticks.csv", TICKS ~ YEAR + cHEIGHT + (1 | BROOD) + (1 | INDEX) + (1 | LOCATION), poisson(), c("YEAR", "INDEX", "BROOD", "LOCATION"))
example("binary_crossed.csv", y ~ x1 + x2 + x3 + (1 | g1) + (1 | g2), binomial())
example("binary_slopes.csv", y ~ x + (1 + x | g), binomial())
example("VerbAgg.csv", r2 ~ Anger + Gender + btype + situ + (1 | id) + (1 | item), binomial(), "id")

# Negative binomial (NB2) on glmmTMB's Salamanders (Examples/Salamanders.csv is
# write.csv(Salamanders[, c("count", "mined", "site", "spp")])): lme4's glmer.nb, whose Laplace
# deviance uses PIRLS's expected information as Marginal's does; glmmTMB's nbinom2 uses the
# observed information (1738.33229602, k 0.6390482) and so differs. glmer.nb's SEs hold k fixed.
data(Salamanders, package = "glmmTMB")
nb <- glmer.nb(count ~ mined + (1 | site), data = Salamanders, control = glmerControl(tolPwrss = 1e-12))
cat("Salamanders NB2\n")
cat(" deviance", sprintf("%.8f", -2 * logLik(nb)), " k", sprintf("%.10f", getME(nb, "glmer.nb.theta")), "\n")
cat(" sd", sprintf("%.10f", sqrt(VarCorr(nb)$site[1])), " beta", sprintf("%.9f", fixef(nb)), " se", sprintf("%.10f", sqrt(diag(vcov(nb)))), "\n")

# The observed-information Laplace (Marginal's --information observed) against glmmTMB: the
# Gamma with a log link on Examples/gamma_groups.csv (numpy seed 17: 30 groups of 10,
# y ~ Gamma(shape 4, mean exp(1 + 0.3 x + b_g)), b_g ~ N(0, 0.4^2)), and nbinom2 on Salamanders.
tmb <- function(formula, data, family) {
  t <- glmmTMB(formula, data, family = family)
  cat(deparse(formula), "\n")
  cat(" deviance", sprintf("%.10f", -2 * logLik(t)), " dispersion (k or sigma^2)",
      sprintf("%.10f", if (family$family == "Gamma") sigma(t)^2 else sigma(t)), "\n")
  cat(" sd", sprintf("%.10f", sqrt(unlist(lapply(VarCorr(t)$cond, function(v) v[1])))), " beta", sprintf("%.10f", fixef(t)$cond),
      " se", sprintf("%.10f", sqrt(diag(vcov(t)$cond))), "\n")
}
tmb(y ~ x + (1 | g), read.csv("Examples/gamma_groups.csv"), Gamma(link = "log"))
tmb(count ~ mined + (1 | site), Salamanders, nbinom2())
