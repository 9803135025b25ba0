# Times lme4's glmer (Laplace, its defaults) and glmmTMB on one generalized model, one thread.
# Usage: Rscript glmm_peers.R DATA.csv FORMULA FAMILY [TOOLS]
#   FAMILY binomial|poisson; TOOLS a comma-separated subset of lme4,glmmTMB (default both).
# Prints one line per tool: tool, fit seconds (elapsed), -2 logLik, the parameters.
args <- commandArgs(trailingOnly = TRUE)
data <- read.csv(args[1], stringsAsFactors = TRUE)
formula <- as.formula(args[2])
family <- get(args[3])()
tools <- if (length(args) >= 4) strsplit(args[4], ",")[[1]] else c("lme4", "glmmTMB")
if ("lme4" %in% tools) {
  suppressMessages(library(lme4))
  t <- system.time(m <- glmer(formula, data, family = family))[["elapsed"]]
  cat(sprintf("lme4 %.3f %.8f %s\n", t, -2 * as.numeric(logLik(m)), paste(signif(c(getME(m, "theta"), fixef(m)), 8), collapse = " ")))
}
if ("glmmTMB" %in% tools) {
  suppressMessages(library(glmmTMB))
  t <- system.time(m <- glmmTMB(formula, data, family = family))[["elapsed"]]
  cat(sprintf("glmmTMB %.3f %.8f %s\n", t, -2 * as.numeric(logLik(m)), paste(signif(fixef(m)$cond, 8), collapse = " ")))
}
