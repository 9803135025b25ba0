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

if (Sys.getenv("OPENBLAS_NUM_THREADS") != "1")
  stop("run with OPENBLAS_NUM_THREADS=1")
if (!dir.exists("Examples") || !dir.exists("Tests/MarginalTests/Fixtures"))
  stop("run from the repository root")

examples_dir  <- "Examples"
fixtures_dir  <- "Tests/MarginalTests/Fixtures"
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

datasets <- list()

sleep <- read_base("sleepstudy.csv", "sleepstudy")
i <- seq_len(nrow(sleep))
sleep$w <- make_w(nrow(sleep))
## Offset: not linear in Days (so not absorbed by the fixed effects); SD about 25 (Reaction's SD is 56).
sleep$off <- round(30 * cos(0.6 * sleep$Days) + 20 * sin(i / 9), 4)
datasets$sleepstudy_weighted <- list(
  data = sleep,
  source = "lme4::sleepstudy (Examples/sleepstudy.csv) plus w and off from make_weighted_references.R",
  levels = list(Subject = unlist(base_schema$sleepstudy$columns$Subject$levels)),
  grouping_levels = list(Subject = 18L),
  note = paste(
    "Examples/sleepstudy.csv with two deterministic columns (row index i = 1..180):",
    "prior weights w = 0.5 + ((7 i) mod 11) / 4 (values 0.5, 0.75, ..., 3) and an offset",
    "off = round(30 cos(0.6 Days) + 20 sin(i / 9), 4). Subject levels as in schema.json."))

pen <- read_base("Penicillin.csv", "Penicillin")
i <- seq_len(nrow(pen))
pen$w <- make_w(nrow(pen))
pen$off <- round(1.5 * sin(i / 5), 4)            # diameter's SD is 1.6
datasets$penicillin_weighted <- list(
  data = pen,
  source = "lme4::Penicillin (Examples/Penicillin.csv) plus w and off from make_weighted_references.R",
  levels = list(plate = unlist(base_schema$Penicillin$columns$plate$levels),
                sample = unlist(base_schema$Penicillin$columns$sample$levels)),
  grouping_levels = list(plate = 24L, sample = 6L),
  note = paste(
    "Examples/Penicillin.csv (crossed: 24 plates x 6 samples) with two deterministic columns",
    "(row index i = 1..144): prior weights w = 0.5 + ((7 i) mod 11) / 4 and an offset",
    "off = round(1.5 sin(i / 5), 4). Level orders as in schema.json."))

pas <- read_base("Pastes.csv", "Pastes")
i <- seq_len(nrow(pas))
pas$w <- make_w(nrow(pas))
pas$off <- round(3 * cos(i / 4), 4)              # strength's SD is 3.3
datasets$pastes_weighted <- list(
  data = pas,
  source = "lme4::Pastes (Examples/Pastes.csv) plus w and off from make_weighted_references.R",
  levels = list(batch = unlist(base_schema$Pastes$columns$batch$levels),
                cask = unlist(base_schema$Pastes$columns$cask$levels),
                sample = unlist(base_schema$Pastes$columns$sample$levels)),
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
  csv_path <- file.path(fixtures_dir, paste0(name, ".csv"))
  write.csv(ds$data, csv_path, row.names = FALSE, quote = TRUE, fileEncoding = "UTF-8")

  back <- read.csv(csv_path, stringsAsFactors = FALSE, colClasses = NA)
  stopifnot(identical(dim(back), dim(ds$data)))
  columns <- list()
  for (col in names(back)) {
    if (col %in% names(ds$levels)) {
      lev <- ds$levels[[col]]
      back[[col]] <- as.character(back[[col]])
      stopifnot(setequal(unique(back[[col]]), lev))
      back[[col]] <- factor(back[[col]], levels = lev)
      columns[[col]] <- list(type = "factor", levels = I(lev))
    } else {
      stopifnot(is.numeric(back[[col]]))
      stopifnot(isTRUE(all.equal(back[[col]], ds$data[[col]], tolerance = 0)))
      columns[[col]] <- list(type = "numeric")
    }
  }
  stopifnot(all(back$w > 0))
  fit_data[[name]] <- back
  schema[[name]] <- list(source = ds$source, rows = nrow(back), columns = columns,
                         grouping_levels = ds$grouping_levels, note = ds$note)
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
## Fitting and serialising one model (as in make_extra_references.R)
## ---------------------------------------------------------------------------------------------

blas_tail <- function(path) paste(tail(strsplit(path, "/", fixed = TRUE)[[1]], 2), collapse = "/")
cpu_name <- sub("^model name\\s*:\\s*", "",
                grep("^model name", readLines("/proc/cpuinfo"), value = TRUE)[1])
session <- sessionInfo()
software <- list(
  R = paste(R.version$major, R.version$minor, sep = "."),
  lme4 = as.character(packageVersion("lme4")),
  Matrix = as.character(packageVersion("Matrix")),
  nloptr = as.character(packageVersion("nloptr")),
  minqa = as.character(packageVersion("minqa")),
  jsonlite = as.character(packageVersion("jsonlite")),
  blas = blas_tail(session$BLAS),
  lapack = blas_tail(session$LAPACK),
  OPENBLAS_NUM_THREADS = Sys.getenv("OPENBLAS_NUM_THREADS"),
  cpu = cpu_name,
  ncores = parallel::detectCores())

na_to_null <- function(x) if (length(x) == 1 && is.na(x)) NULL else x

ranef_first5 <- function(fit) {
  re <- ranef(fit, condVar = TRUE)
  lapply(names(re), function(group) {
    modes <- re[[group]]
    post <- attr(modes, "postVar")
    n_terms <- ncol(modes)
    diagonals <- function(a) {
      k <- dim(a)[1]
      t(vapply(seq_len(dim(a)[3]), function(i) a[cbind(seq_len(k), seq_len(k), i)], numeric(k)))
    }
    cond_var <- if (is.list(post)) do.call(cbind, lapply(post, diagonals)) else diagonals(post)
    cond_var <- matrix(cond_var, ncol = n_terms)
    first <- seq_len(min(5, nrow(modes)))
    list(group = group, n_levels = nrow(modes), terms = I(names(modes)),
         levels = I(rownames(modes)[first]),
         modes = unname(as.matrix(modes)[first, , drop = FALSE]),
         cond_sd = sqrt(cond_var[first, , drop = FALSE]))
  })
}

## Every reference is fitted with minqa's bobyqa and a tiny final trust region. Check of the
## optimum: a refit with the tight nloptwrap controls of make_extra_references.R. (On
## sleepstudy_weights_ml the tight nloptwrap fit stops 2.7e-11 above bobyqa's criterion, with the
## small theta[2] ~ -1.34e-3 off by 2e-7, 1.5e-4 relative; bobyqa's optimum agrees with an
## L-BFGS-B polish of lme4's devfun to 1e-10 in theta. On all 8 fits bobyqa's criterion is the
## lower or equal one.)
reference_opt_ctrl <- list(rhobeg = 0.2, rhoend = 1e-10, maxfun = 1e5)
reference_control <- lmerControl(optimizer = "bobyqa", optCtrl = reference_opt_ctrl)
tight_control <- list(xtol_rel = 1e-12, ftol_rel = 1e-14, xtol_abs = 1e-12, ftol_abs = 1e-14,
                      maxeval = 10000)
check_control <- lmerControl(optimizer = "nloptwrap", optCtrl = tight_control)

crit_of <- function(f) unname(if (isREML(f)) getME(f, "devcomp")$cmp[["REML"]] else deviance(f))

fit_reference <- function(model, dataset, formula, REML, weights = NULL, offset = NULL, note = NULL) {
  data <- fit_data[[dataset]]
  warnings_seen <- character(); messages_seen <- character()
  control <- reference_control
  call_text <- sprintf("lmer(%s, data = %s%s, REML = %s, control = lmerControl(optimizer = \"bobyqa\", optCtrl = list(%s)))",
                       formula, dataset, if (is.null(weights)) "" else paste0(", weights = ", weights),
                       REML, paste(names(reference_opt_ctrl), unlist(reference_opt_ctrl), sep = " = ", collapse = ", "))
  ## lmer evaluates `weights` in `data`; pass the column by name through eval().
  fit <- withCallingHandlers(
    eval(bquote(lmer(.(as.formula(formula)), data = data, REML = .(REML), control = control,
                     weights = .(if (is.null(weights)) NULL else as.name(weights))))),
    warning = function(w) { warnings_seen <<- c(warnings_seen, conditionMessage(w))
                            invokeRestart("muffleWarning") },
    message = function(m) { messages_seen <<- c(messages_seen, sub("\n$", "", conditionMessage(m)))
                            invokeRestart("muffleMessage") })
  w <- if (is.null(weights)) rep(1, nrow(data)) else data[[weights]]
  stopifnot(isTRUE(all.equal(unname(weights(fit)), w, tolerance = 0)))
  if (!is.null(offset)) stopifnot(isTRUE(all.equal(unname(getME(fit, "offset")), data[[offset]], tolerance = 0)))
  sum_log_w <- sum(log(w))

  dc <- getME(fit, "devcomp")
  coefs <- coef(summary(fit))
  vc <- VarCorr(fit)
  cnms <- getME(fit, "cnms")
  theta <- getME(fit, "theta")
  lower <- getME(fit, "lower"); lower[is.infinite(lower)] <- NA
  ll <- logLik(fit)
  cmp <- lapply(as.list(dc$cmp), na_to_null)
  keys <- c("ldL2", "ldRX2", "wrss", "ussq", "pwrss", "drsum", "REML", "dev", "sigmaML", "sigmaREML")
  cmp <- setNames(cmp[keys], keys)
  name <- paste0(model, if (REML) "_reml" else "_ml")
  criterion <- crit_of(fit)

  ## Everything that reads the fit's internal state (ranef uses the current state of the fit's
  ## environment, which the devfun call below also sets) is taken first.
  re_first5 <- ranef_first5(fit)
  vc_sd <- lapply(vc, function(m) attr(m, "stddev"))

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
    minus2_logLik = -2 * as.numeric(ll),
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

  ref <- list(
    name = name, model = model, dataset = dataset,
    data_csv = file.path(fixtures_dir, paste0(dataset, ".csv")),
    fitter = "lme4::lmer", formula = formula,
    weights = weights, offset = offset, lmer_call = call_text,
    family = "gaussian", link = "identity", REML = REML, nAGQ = NULL, note = note,
    nobs = nobs(fit),
    dims = list(n = dc$dims[["n"]], p = dc$dims[["p"]], q = dc$dims[["q"]],
                n_theta = dc$dims[["nth"]]),
    ngrps = as.list(ngrps(fit)),
    fixef = lapply(seq_len(nrow(coefs)), function(i)
      list(term = rownames(coefs)[i], estimate = coefs[i, "Estimate"],
           std_error = coefs[i, "Std. Error"], statistic = coefs[i, "t value"])),
    fixef_vcov = unname(as.matrix(vcov(fit))),
    varcomp = lapply(seq_along(vc), function(i) {
      m <- vc[[i]]
      list(label = names(vc)[i], group = names(cnms)[i], terms = I(cnms[[i]]),
           sd = I(unname(attr(m, "stddev"))),
           corr = unname(as.matrix(attr(m, "correlation"))),
           cov = unname(matrix(as.numeric(m), nrow(m))))
    }),
    residual_sd = sigma(fit),
    theta = I(unname(theta)), theta_names = I(names(theta)), theta_lower = I(unname(lower)),
    logLik = as.numeric(ll), logLik_df = attr(ll, "df"),
    AIC = AIC(fit), BIC = BIC(fit),
    criterion_name = if (REML) "REML criterion (-2 * REML log-likelihood)" else "deviance = -2 * logLik",
    criterion = criterion,
    REML_criterion = if (REML) criterion else NULL,
    deviance_ML = deviance(fit, REML = FALSE),
    conditional_deviance_glmm = NULL,
    sum_log_w = sum_log_w,
    criterion_without_log_weights = criterion + sum_log_w,
    devcomp = cmp,
    optimizer = fit@optinfo$optimizer,
    optimizer_control = reference_opt_ctrl,
    feval = fit@optinfo$feval,
    optimizer_message = fit@optinfo$message,
    conv_lme4_messages = I(as.character(unlist(fit@optinfo$conv$lme4$messages))),
    fit_warnings = I(warnings_seen),
    fit_messages = I(messages_seen),
    singular = isSingular(fit),
    ranef_first5 = re_first5,
    convention_check = check,
    software = software,
    date = format(Sys.Date()))

  path <- file.path(reference_dir, paste0(name, ".json"))
  writeLines(toJSON(ref, auto_unbox = TRUE, pretty = TRUE, digits = NA, null = "null", na = "null"),
             path)
  cat(sprintf("%-30s criterion %.10f  feval %4d  singular %-5s  warnings %d  messages %d\n",
              name, criterion, ref$feval, ref$singular, length(warnings_seen), length(messages_seen)))
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
