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
