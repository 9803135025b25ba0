## make_weighted_references.R -- lme4 reference fits with prior weights and offsets.
##
## Writes, relative to the repository root:
##   Tests/MarginalTests/Fixtures/{sleepstudy,penicillin,pastes}_weighted.csv  (data + w + off)
##   Tests/MarginalTests/Fixtures/schema-extra.json        (adds/replaces the three entries above;
##                                                          the other entries are kept as they are)
##   Tests/MarginalTests/Fixtures/reference/weighted/<model>_{ml,reml}.json    (lme4 fits)
##
## The JSON files are in a subfolder on purpose: LinearMixedModelPipelineTests loads every
## reference/*.json (not subfolders), expects exactly 24 of them and refits each one from its
## `formula` alone, reading the CSV from Examples/ -- it knows nothing about `weights`. Load
## these with ReferenceFit.load("weighted/<name>").
##
## Run from the repository root, single-threaded BLAS so the numbers are reproducible:
##   OPENBLAS_NUM_THREADS=1 Rscript Tests/MarginalTests/Fixtures/reference/make_weighted_references.R
##
## NOTE: make_extra_references.R rewrites schema-extra.json from scratch; run this script after
## it (it re-adds the *_weighted entries).
##
## Written with R 4.2.2, lme4 1.1-31, jsonlite 1.8.4 (see "software" in each JSON). The JSON fields
## are those of make_extra_references.R plus
##   weights, offset        the CSV columns used as prior weights / offset (null if none)
##   lmer_call              the exact lmer() call
##   sum_log_w              sum(log(w)) over the rows (0 without weights)
##   criterion_without_log_weights   criterion + sum_log_w (see below)
##   convention_check       the numerical check of the weighted criterion described below
## Every model is fitted to the data *read back from the CSV written here*. No RNG is used: the
## weights and offsets are deterministic functions of the row index (and Days for sleepstudy).
##
## ---------------------------------------------------------------------------------------------
## lme4's criterion with prior weights w (checked numerically below, for every model):
##
## With W = diag(w), lme4 1.1 minimises over theta (Lambda = Lambda(theta), p fixed effects)
##   L L'  = Lambda' Z' W Z Lambda + I,         ldL2  = log|L|^2
##   RX'RX = X'WX - X'WZ Lambda (L L')^-1 Lambda' Z'WX,   ldRX2 = log|RX|^2
##   r^2   = pwrss = min_{u,beta} sum_i w_i (y_i - off_i - x_i'beta - z_i'Lambda u)^2 + |u|^2
##   ML:    deviance(theta) = ldL2 - sum(log w) + n     (1 + log(2 pi r^2 / n))
##   REML:  REML(theta)     = ldL2 - sum(log w) + ldRX2 + (n-p) (1 + log(2 pi r^2 / (n-p)))
## i.e. the unweighted profiled formula applied to the sqrt(w)-scaled cross products, MINUS
## sum(log w) (C++: lmerResp::Laplace, "ldL2 - d_ldW + ...", d_ldW = sum(log(weights))).
## This is exactly -2 log of the Gaussian (restricted) likelihood of
##   y ~ N(X beta + off, sigma^2 (Z Lambda Lambda' Z' + W^-1)),  i.e. Var(e_i) = sigma^2 / w_i,
## because log|Z Lambda Lambda' Z' + W^-1| = log|L|^2 - sum(log w). sigma^2 = r^2/n (ML) or
## r^2/(n-p) (REML); logLik = -criterion/2, AIC/BIC follow from it; devcomp$cmp "dev"/"REML"
## equal the criterion (they include -sum(log w)). Consequence: the criterion is invariant to
## rescaling w -> c w (theta -> theta/sqrt(c), sigma -> sigma sqrt(c), criterion unchanged).
## The script checks for each fit: the hand-built formula without the log-weight term, the
## dense Gaussian -2 log-likelihood, lme4's own devfun at theta-hat, and (for one model) the
## rescaling invariance; results are printed and stored in "convention_check".
## ---------------------------------------------------------------------------------------------

suppressPackageStartupMessages({
  library(lme4)
  library(jsonlite)
})

## The shared code, from this script's folder: checks OPENBLAS_NUM_THREADS=1 and the working
## folder, and sets examples_dir and fixtures_dir.
script <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
source(file.path(if (length(script)) dirname(script) else "Tests/MarginalTests/Fixtures/reference",
                 "reference_json.R"))

reference_dir <- file.path(fixtures_dir, "reference", "weighted")
dir.create(reference_dir, showWarnings = FALSE)

## The base data: the bundled CSVs, with the level orders of schema.json (lme4's).
base_schema <- fromJSON(file.path(fixtures_dir, "schema.json"), simplifyVector = FALSE)
read_base <- function(file, dataset) {
  d <- read.csv(file.path(examples_dir, file), stringsAsFactors = FALSE)
  for (col in names(base_schema[[dataset]]$columns)) {
    lev <- base_schema[[dataset]]$columns[[col]]$levels
    if (!is.null(lev)) d[[col]] <- as.character(d[[col]])
  }
  d
}

## Prior weights: 0.5, 0.75, ..., 3.0 in an irregular order (period 11, which does not divide the
## group sizes 10, 6 and 2), w_i = 0.5 + ((7 i) mod 11) / 4, i = 1..n.
make_w <- function(n) 0.5 + ((7 * seq_len(n)) %% 11) / 4

## ---------------------------------------------------------------------------------------------
## Datasets
## ---------------------------------------------------------------------------------------------

## A dataset of schema.json's `dataset` (read from Examples/`file`) plus the columns w (prior
## weights, make_w) and off = round(offset(data, i), 4), i the row index; the factor columns
## `factors` keep the level orders of schema.json.
weighted_dataset <- function(file, dataset, factors, offset, grouping_levels, note) {
  d <- read_base(file, dataset)
  i <- seq_len(nrow(d))
  d$w <- make_w(nrow(d))
  d$off <- round(offset(d, i), 4)
  list(
    data = d,
    source = sprintf("lme4::%s (Examples/%s) plus w and off from make_weighted_references.R", dataset, file),
    levels = lapply(setNames(factors, factors), function(col) unlist(base_schema[[dataset]]$columns[[col]]$levels)),
    grouping_levels = grouping_levels,
    note = note)
}

datasets <- list()

## Offset: not linear in Days (so not absorbed by the fixed effects); SD about 25 (Reaction's SD is 56).
datasets$sleepstudy_weighted <- weighted_dataset(
  "sleepstudy.csv", "sleepstudy", "Subject",
  offset = function(d, i) 30 * cos(0.6 * d$Days) + 20 * sin(i / 9),
  grouping_levels = list(Subject = 18L),
  note = paste(
    "Examples/sleepstudy.csv with two deterministic columns (row index i = 1..180):",
    "prior weights w = 0.5 + ((7 i) mod 11) / 4 (values 0.5, 0.75, ..., 3) and an offset",
    "off = round(30 cos(0.6 Days) + 20 sin(i / 9), 4). Subject levels as in schema.json."))

datasets$penicillin_weighted <- weighted_dataset(
  "Penicillin.csv", "Penicillin", c("plate", "sample"),
  offset = function(d, i) 1.5 * sin(i / 5),       # diameter's SD is 1.6
  grouping_levels = list(plate = 24L, sample = 6L),
  note = paste(
    "Examples/Penicillin.csv (crossed: 24 plates x 6 samples) with two deterministic columns",
    "(row index i = 1..144): prior weights w = 0.5 + ((7 i) mod 11) / 4 and an offset",
    "off = round(1.5 sin(i / 5), 4). Level orders as in schema.json."))

datasets$pastes_weighted <- weighted_dataset(
  "Pastes.csv", "Pastes", c("batch", "cask", "sample"),
  offset = function(d, i) 3 * cos(i / 4),         # strength's SD is 3.3
  grouping_levels = list(batch = 10L, cask = 3L, sample = 30L, "cask:batch" = 30L),
  note = paste(
    "Examples/Pastes.csv (nested: 3 casks within each of 10 batches, 2 samples each) with two",
    "deterministic columns (row index i = 1..60): prior weights w = 0.5 + ((7 i) mod 11) / 4",
    "and an offset off = round(3 cos(i / 4), 4). Level orders as in schema.json; lme4's",
    "expansion of batch/cask builds cask:batch, levels a:A, a:B, ..., a:J, b:A, ... (first",
    "factor slowest)."))

## ---------------------------------------------------------------------------------------------
## Write the CSVs; add them to schema-extra.json; read them back as the data the models use.
## ---------------------------------------------------------------------------------------------

schema_path <- file.path(fixtures_dir, "schema-extra.json")
schema <- fromJSON(schema_path, simplifyVector = FALSE)
## Keep jsonlite's layout of the existing entries: level lists back to (AsIs) character vectors.
for (name in names(schema)) for (col in names(schema[[name]]$columns))
  if (!is.null(schema[[name]]$columns[[col]]$levels))
    schema[[name]]$columns[[col]]$levels <- I(unlist(schema[[name]]$columns[[col]]$levels))
fit_data <- list()
for (name in names(datasets)) {
  ds <- datasets[[name]]
  written <- write_dataset(ds, file.path(fixtures_dir, paste0(name, ".csv")))
  stopifnot(all(written$data$w > 0))
  fit_data[[name]] <- written$data
  schema[[name]] <- written$schema
}
writeLines(toJSON(schema, auto_unbox = TRUE, pretty = TRUE, digits = NA), schema_path)

## ---------------------------------------------------------------------------------------------
## The weighted criterion by hand (dense; these designs are small)
## ---------------------------------------------------------------------------------------------

## Profiled criterion at theta from the sqrt(w)-scaled cross products, WITHOUT any log-weight
## term, plus the dense Gaussian -2 log (restricted) likelihood at lme4's beta-hat and sigma-hat.
criterion_by_hand <- function(fit) {
  REML <- isREML(fit)
  Lt <- as.matrix(getME(fit, "Lambdat")); Zt <- as.matrix(getME(fit, "Zt"))
  X <- getME(fit, "X"); y <- getME(fit, "y")
  w <- weights(fit); off <- getME(fit, "offset")
  n <- length(y); p <- ncol(X); q <- nrow(Zt)
  ZL <- t(Zt) %*% t(Lt)                                  # Z Lambda
  A <- crossprod(ZL * sqrt(w)) + diag(q)                 # Lambda' Z' W Z Lambda + I
  ldL2 <- 2 * sum(log(diag(chol(A))))
  ## Penalised weighted least squares for (u, beta).
  M <- rbind(cbind(A, crossprod(ZL, w * X)), cbind(crossprod(X, w * ZL), crossprod(X, w * X)))
  rhs <- c(crossprod(ZL, w * (y - off)), crossprod(X, w * (y - off)))
  sol <- solve(M, rhs); u <- sol[seq_len(q)]; beta <- sol[q + seq_len(p)]
  res <- y - off - X %*% beta - ZL %*% u
  r2 <- sum(w * res^2) + sum(u^2)
  RXtRX <- crossprod(X, w * X) - crossprod(X, w * ZL) %*% solve(A, crossprod(ZL, w * X))
  ldRX2 <- as.numeric(determinant(RXtRX, logarithm = TRUE)$modulus)
  nmp <- if (REML) n - p else n
  no_log_w <- ldL2 + (if (REML) ldRX2 else 0) + nmp * (1 + log(2 * pi * r2 / nmp))
  ## Dense Gaussian -2 log-likelihood (REML: restricted) of y ~ N(X beta + off, sigma^2 V),
  ## V = Z Lambda Lambda' Z' + W^-1, at lme4's estimates.
  s2 <- sigma(fit)^2
  V <- s2 * (tcrossprod(ZL) + diag(1 / w))
  e <- y - off - X %*% fixef(fit)
  cV <- chol(V)
  quad <- sum(backsolve(cV, e, transpose = TRUE)^2)
  ldV <- 2 * sum(log(diag(cV)))
  dense <- if (REML) {
    XVX <- crossprod(backsolve(cV, X, transpose = TRUE))
    (n - p) * log(2 * pi) + ldV + as.numeric(determinant(XVX, logarithm = TRUE)$modulus) + quad
  } else n * log(2 * pi) + ldV + quad
  list(no_log_w = no_log_w, dense = dense, ldL2 = ldL2, ldRX2 = ldRX2, pwrss = r2,
       devfun = as.numeric(getME(fit, "devfun")(getME(fit, "theta"))))
}

## ---------------------------------------------------------------------------------------------
## Fitting and serialising one model (shared with make_extra_references.R: reference_json.R)
## ---------------------------------------------------------------------------------------------

software <- software_info("jsonlite")

## Every reference is fitted with minqa's bobyqa and a tiny final trust region. Check of the
## optimum: a refit with the tight nloptwrap controls of make_extra_references.R. (On
## sleepstudy_weights_ml the tight nloptwrap fit stops 2.7e-11 above bobyqa's criterion, with the
## small theta[2] ~ -1.34e-3 off by 2e-7, 1.5e-4 relative; bobyqa's optimum agrees with an
## L-BFGS-B polish of lme4's devfun to 1e-10 in theta. On all 8 fits bobyqa's criterion is the
## lower or equal one.)
reference_opt_ctrl <- list(rhobeg = 0.2, rhoend = 1e-10, maxfun = 1e5)
reference_control <- lmerControl(optimizer = "bobyqa", optCtrl = reference_opt_ctrl)
check_control <- lmerControl(optimizer = "nloptwrap", optCtrl = tight_control)

fit_reference <- function(model, dataset, formula, REML, weights = NULL, offset = NULL, note = NULL) {
  data <- fit_data[[dataset]]
  control <- reference_control
  call_text <- sprintf("lmer(%s, data = %s%s, REML = %s, control = lmerControl(optimizer = \"bobyqa\", optCtrl = list(%s)))",
                       formula, dataset, if (is.null(weights)) "" else paste0(", weights = ", weights),
                       REML, paste(names(reference_opt_ctrl), unlist(reference_opt_ctrl), sep = " = ", collapse = ", "))
  ## lmer evaluates `weights` in `data`; pass the column by name through eval().
  recorded <- record_conditions(
    eval(bquote(lmer(.(as.formula(formula)), data = data, REML = .(REML), control = control,
                     weights = .(if (is.null(weights)) NULL else as.name(weights))))))
  fit <- recorded$value
  w <- if (is.null(weights)) rep(1, nrow(data)) else data[[weights]]
  stopifnot(isTRUE(all.equal(unname(weights(fit)), w, tolerance = 0)))
  if (!is.null(offset)) stopifnot(isTRUE(all.equal(unname(getME(fit, "offset")), data[[offset]], tolerance = 0)))
  sum_log_w <- sum(log(w))

  s <- fit_summary(fit)
  theta <- s$theta
  criterion <- s$criterion

  ## Everything that reads the fit's internal state (ranef uses the current state of the fit's
  ## environment, which the devfun call below also sets) is taken first.
  re_first5 <- ranef_first5(fit)
  vc_sd <- lapply(s$vc, function(m) attr(m, "stddev"))

  ## The convention check.
  hand <- criterion_by_hand(fit)
  stopifnot(identical(lapply(VarCorr(fit), function(m) attr(m, "stddev")), vc_sd))
  bob <- suppressWarnings(suppressMessages(update(fit, control = check_control)))
  check <- list(
    sum_log_w = sum_log_w,
    criterion = criterion,
    unweighted_formula_at_theta_hat = hand$no_log_w,
    criterion_minus_unweighted_formula = criterion - hand$no_log_w,
    dense_gaussian_minus2loglik = hand$dense,
    criterion_minus_dense = criterion - hand$dense,
    lme4_devfun_at_theta_hat = hand$devfun,
    minus2_logLik = -2 * as.numeric(s$ll),
    hand_ldL2 = hand$ldL2, hand_ldRX2 = hand$ldRX2, hand_pwrss = hand$pwrss,
    nloptwrap_tight_criterion = crit_of(bob),
    nloptwrap_tight_max_abs_diff_theta = max(abs(getME(bob, "theta") - theta)),
    nloptwrap_tight_max_rel_diff_theta = max(abs(getME(bob, "theta") - theta) / pmax(abs(theta), 1e-8)),
    what = paste(
      "criterion = unweighted_formula_at_theta_hat - sum_log_w, where the unweighted formula is",
      "ldL2 + n(1 + log(2 pi pwrss/n)) (ML) or ldL2 + ldRX2 + (n-p)(1 + log(2 pi pwrss/(n-p))) (REML)",
      "from the sqrt(w)-scaled cross products; dense_gaussian_minus2loglik is -2 log of the",
      "(restricted) Gaussian likelihood of y ~ N(X beta + off, sigma^2 (Z Lambda Lambda' Z' + W^-1))",
      "at lme4's estimates; nloptwrap_tight_* is a refit with the tight nloptwrap controls of",
      "make_extra_references.R (the reference itself is fitted with bobyqa, rhoend 1e-10)"))

  ref <- reference_fields(fit, model, dataset, file.path(fixtures_dir, paste0(dataset, ".csv")),
    formula, REML, note, optimizer_control = reference_opt_ctrl, recorded = recorded,
    software = software, s = s, ranef = re_first5,
    call_fields = list(weights = weights, offset = offset, lmer_call = call_text),
    criterion_fields = list(sum_log_w = sum_log_w, criterion_without_log_weights = criterion + sum_log_w),
    check_fields = list(convention_check = check))
  write_reference(ref, reference_dir)
  cat(sprintf("%-30s criterion %.10f  feval %4d  singular %-5s  warnings %d  messages %d\n",
              ref$name, criterion, ref$feval, ref$singular, length(recorded$warnings),
              length(recorded$messages)))
  cat(sprintf(paste0("    sum(log w) %.10f | unweighted formula %.10f (criterion - it = %.10f)",
                     " | dense -2logL - criterion %.1e | devfun - criterion %.1e\n",
                     "    tight nloptwrap refit: its criterion - this %.1e, max abs (rel) diff theta %.1e (%.1e)\n"),
              sum_log_w, hand$no_log_w, criterion - hand$no_log_w, hand$dense - criterion,
              hand$devfun - criterion, check$nloptwrap_tight_criterion - criterion,
              check$nloptwrap_tight_max_abs_diff_theta, check$nloptwrap_tight_max_rel_diff_theta))
  invisible(fit)
}

## ---------------------------------------------------------------------------------------------
## The models
## ---------------------------------------------------------------------------------------------

models <- list(
  list(model = "sleepstudy_weights", dataset = "sleepstudy_weighted",
       formula = "Reaction ~ 1 + Days + (1 + Days | Subject)", weights = "w", offset = NULL,
       note = "prior weights w (Var(e_i) = sigma^2 / w_i); no offset"),
  list(model = "sleepstudy_offset", dataset = "sleepstudy_weighted",
       formula = "Reaction ~ 1 + Days + offset(off) + (1 + Days | Subject)", weights = NULL, offset = "off",
       note = "offset off in the formula; no weights (the w column is not used)"),
  list(model = "penicillin_weights_offset", dataset = "penicillin_weighted",
       formula = "diameter ~ 1 + offset(off) + (1 | plate) + (1 | sample)", weights = "w", offset = "off",
       note = "crossed design; prior weights w and offset off"),
  list(model = "pastes_weights_offset", dataset = "pastes_weighted",
       formula = "strength ~ 1 + offset(off) + (1 | batch/cask)", weights = "w", offset = "off",
       note = "nested design; (1 | batch/cask) expands to (1 | batch) + (1 | cask:batch); prior weights w and offset off")
)

fits <- list()
for (m in models) for (reml in c(FALSE, TRUE)) {
  fits[[paste0(m$model, if (reml) "_reml" else "_ml")]] <-
    fit_reference(m$model, m$dataset, m$formula, REML = reml, weights = m$weights,
                  offset = m$offset, note = m$note)
}

## ---------------------------------------------------------------------------------------------
## Rescaling the weights: w -> 4 w leaves the criterion unchanged, theta -> theta / 2,
## sigma -> 2 sigma. (Were lme4 not subtracting sum(log w), the criterion would move by n log 4.)
## ---------------------------------------------------------------------------------------------

cat("\nRescaling check (weights w -> 4 w):\n")
for (name in c("sleepstudy_weights_ml", "sleepstudy_weights_reml",
               "penicillin_weights_offset_reml", "pastes_weights_offset_ml")) {
  f <- fits[[name]]
  data <- fit_data[[if (grepl("^sleep", name)) "sleepstudy_weighted" else if (grepl("^pen", name))
    "penicillin_weighted" else "pastes_weighted"]]
  data$w4 <- 4 * data$w
  f4 <- suppressWarnings(update(f, data = data, weights = w4, control = reference_control))
  cat(sprintf("  %-32s criterion(4w) - criterion(w) = %.2e; theta ratio %s; sigma ratio %.8f\n",
              name, crit_of(f4) - crit_of(f),
              paste(sprintf("%.6f", getME(f4, "theta") / getME(f, "theta")), collapse = " "),
              sigma(f4) / sigma(f)))
}
