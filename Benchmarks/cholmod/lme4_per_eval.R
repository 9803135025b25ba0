#!/usr/bin/env Rscript
# Per-evaluation cost of lme4 (1.1-31, Matrix 1.5-3) on one design, via lme4's modular interface.
# Usage: Rscript lme4_per_eval.R FILE.csv 'FORMULA' FACTORS(comma) [REPS] [MMDIR]
# Prints JSON: set-up and optimization seconds, evaluations, theta-hat, and medians (ms) of
#   devfun(theta)                         whole lme4 evaluation (C++ lmer_Deviance)
#   pp$updateDecomp()                     CHOLMOD update of L + dense RZX and RX (theta already set)
#   Lambdat %*% Zt                        the sparse product (R level)
#   update(L, LtZt, mult = 1)             Matrix's CHOLMOD numeric refactorization (copies L, too)
# with L = lme4's own factor (pp$L()), and with fresh supernodal / simplicial LL' analyses.
# With MMDIR, writes for the C program (c/cholmod_bench.c), at each theta, A = Lambdat %*% Zt and
# C = tcrossprod(A) and the augmented M = [C, AX, Ay; ., X'X - I, X'y; ., ., y'y - 1] (Matrix Market),
# lme4's fill-reducing permutation (0-based; perm_aug.txt: the X and y rows appended last), n and p.
suppressPackageStartupMessages({library(lme4); library(Matrix)})
args <- commandArgs(trailingOnly = TRUE)
path <- args[[1]]; formula <- as.formula(args[[2]])
factors <- strsplit(args[[3]], ",")[[1]]
reps <- if (length(args) > 3) as.integer(args[[4]]) else 20L
mmdir <- if (length(args) > 4) args[[5]] else NA
cc <- setNames(rep("factor", length(factors)), factors)
data <- read.csv(path, colClasses = cc)
now <- function() as.numeric(Sys.time())
tm <- function(expr, n = reps) {   # median ms of n evaluations of expr (after one warm-up)
  f <- eval.parent(substitute(function() expr)); f()
  cpu0 <- sum(proc.time()[c("user.self", "sys.self")])
  t <- numeric(n); for (i in seq_len(n)) { a <- now(); f(); t[i] <- now() - a }
  cpu <- sum(proc.time()[c("user.self", "sys.self")]) - cpu0
  c(median = 1e3 * median(t), min = 1e3 * min(t), cpu = 1e3 * cpu / n)
}
t0 <- now()
lf <- lFormula(formula, data = data, REML = TRUE)
theta_initial <- lf$reTrms$theta + 0   # a copy: lme4 writes theta and Lambdat@x in place
devfun <- do.call(mkLmerDevfun, lf)
t1 <- now()
invisible(gc())
t2 <- now(); c2 <- sum(proc.time()[c("user.self", "sys.self")])
opt <- optimizeLmer(devfun, optimizer = "nloptwrap")
t3 <- now(); c3 <- sum(proc.time()[c("user.self", "sys.self")])
rho <- environment(devfun); pp <- rho$pp
theta_hat <- opt$par + 0
thetas <- list(thetaHat = theta_hat, half = 0.5 * theta_hat, double = 2 * theta_hat, initial = theta_initial)
Lam0 <- lf$reTrms$Lambdat; Lind <- lf$reTrms$Lind; Zt <- lf$reTrms$Zt
lambdat <- function(theta) { L <- Lam0; L@x <- theta[Lind]; L }
L_lme4 <- pp$L()
LtZt <- lambdat(theta_hat) %*% Zt
L_super <- Cholesky(tcrossprod(LtZt), LDL = FALSE, super = TRUE, Imult = 1)
L_simpl <- Cholesky(tcrossprod(LtZt), LDL = FALSE, super = FALSE, Imult = 1)
res <- list()
for (nm in names(thetas)) {
  th <- thetas[[nm]]
  A <- lambdat(th) %*% Zt
  r <- list(devfun = tm(devfun(th)))
  pp$setTheta(as.double(th))
  r$updateDecomp <- tm(pp$updateDecomp())
  r$LtZt_product <- tm(lambdat(th) %*% Zt)
  r$update_lme4L <- tm(update(L_lme4, A, mult = 1))
  r$update_super <- tm(update(L_super, A, mult = 1))
  r$update_simplicial <- tm(update(L_simpl, A, mult = 1))
  r$objective <- devfun(th)
  res[[nm]] <- r
}
nnzL <- function(L) { s <- as(L, "sparseMatrix"); length(s@x) }
if (!is.na(mmdir)) {
  dir.create(mmdir, showWarnings = FALSE, recursive = TRUE)
  for (nm in names(thetas)) {
    A <- lambdat(thetas[[nm]]) %*% Zt
    writeMM(A, file.path(mmdir, paste0("LtZt_", nm, ".mtx")))
    writeMM(tcrossprod(A), file.path(mmdir, paste0("C_", nm, ".mtx")))   # symmetric: Lambda' Z'Z Lambda
    # The whole augmented matrix of the profiled criterion, as Marginal factors it:
    # [A A', A X, A y; ., X'X, X'y; ., ., y'y], the X and y diagonal less 1 (the C program adds I).
    Xy <- cbind(lf$X, y = model.response(lf$fr))
    AXy <- as.matrix(A %*% Xy)
    XtXy <- crossprod(Xy) - diag(ncol(Xy))
    M <- rbind(cbind(tcrossprod(A), AXy), cbind(t(AXy), XtXy))
    writeMM(forceSymmetric(as(M, "CsparseMatrix"), uplo = "U"), file.path(mmdir, paste0("M_", nm, ".mtx")))
  }
  writeLines(as.character(c(L_lme4@perm, nrow(Zt) + seq_len(ncol(lf$X) + 1) - 1L)), file.path(mmdir, "perm_aug.txt"))
  writeLines(as.character(c(nrow(data), ncol(lf$X))), file.path(mmdir, "n_p.txt"))
  writeLines(as.character(L_lme4@perm), file.path(mmdir, "perm.txt"))   # 0-based
}
num <- function(x) formatC(x, digits = 10, format = "g")
vec <- function(x) paste0("[", paste(num(x), collapse = ", "), "]")
cat("{\n")
cat(sprintf('  "rows": %d, "q": %d, "p": %d, "nnz_LtZt": %d,\n', nrow(data), nrow(Zt), ncol(lf$X), length(LtZt@x)))
cat(sprintf('  "lme4_L_class": "%s", "lme4_L_nnz": %d, "super_L_nnz": %d, "simplicial_L_nnz": %d,\n',
            class(L_lme4), nnzL(L_lme4), nnzL(L_super), nnzL(L_simpl)))
cat(sprintf('  "setup_s": %.3f, "optimize_s": %.3f, "optimize_cpu_s": %.3f, "evaluations": %d, "optimize_s_per_eval_ms": %.3f,\n',
            t1 - t0, t3 - t2, c3 - c2, opt$feval, 1e3 * (t3 - t2) / opt$feval))
cat('  "timings": "ms per call: [median wall, min wall, mean CPU]",\n')
cat(sprintf('  "reml": %s, "theta": %s, "reps": %d,\n', num(opt$fval), vec(theta_hat), reps))
for (k in seq_along(res)) {
  r <- res[[k]]
  fields <- vapply(setdiff(names(r), "objective"), function(f) sprintf('"%s": [%.3f, %.3f, %.3f]', f, r[[f]][["median"]], r[[f]][["min"]], r[[f]][["cpu"]]), "")
  cat(sprintf('  "%s": {%s, "objective": %s}%s\n', names(res)[k], paste(fields, collapse = ", "), num(r$objective),
              if (k < length(res)) "," else ""))
}
cat("}\n")
