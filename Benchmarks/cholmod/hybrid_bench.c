/* What a CHOLMOD-based Marginal evaluation would cost: the random-effects block by CHOLMOD, the
 * fixed effects dense, on cross products formed once (as Marginal keeps them).
 * Usage: REML_N=n REML_P=p hybrid_bench MODE REPS PERM.txt M.mtx
 *   M = [C, B; B', D - I] as written by lme4_per_eval.R (C = Lambda'Z'Z Lambda (q x q),
 *   B = Lambda'Z'[X y], D = [X y]'[X y]), upper triangle. Per evaluation (all timed):
 *   1. C(theta): one pass over C's and B's stored values (x_k = x0_k * s_i * s_j with s = 1:
 *      the cost of applying scalar lambdas to the fixed cross products);
 *   2. cholmod_factorize_p(C, beta = 1) on one symbolic analysis (lme4's permutation);
 *   3. W = L^{-1} P B (cholmod_solve CHOLMOD_P then CHOLMOD_L, B dense q x (p+1));
 *   4. S = D - W'W ((p+1) x (p+1)) and its Cholesky; REML from log det L, log det R_X and S_yy.
 * Prints median/min/CPU ms and the REML criterion (check against lme4's). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>
#include <suitesparse/cholmod.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }
static double cpu(void) { struct timespec t; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }
static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }

static double logdetL(cholmod_factor *L) {
    double s = 0;
    if (L->is_super) {
        double *x = L->x; int *super = L->super, *pi = L->pi, *px = L->px;
        for (size_t k = 0; k < L->nsuper; k++) {
            int ncols = super[k + 1] - super[k], nrows = pi[k + 1] - pi[k];
            for (int j = 0; j < ncols; j++) s += log(x[px[k] + j + j * nrows]);
        }
    } else {
        double *x = L->x; int *p = L->p;
        for (size_t j = 0; j < L->n; j++) s += L->is_ll ? log(x[p[j]]) : 0.5 * log(x[p[j]]);
    }
    return 2 * s;
}

int main(int argc, char **argv) {
    if (argc < 5 || !getenv("REML_N") || !getenv("REML_P")) { fprintf(stderr, "usage: REML_N=n REML_P=p %s super|simplicial REPS PERM.txt M.mtx\n", argv[0]); return 2; }
    int n = atoi(getenv("REML_N")), p = atoi(getenv("REML_P")), reps = atoi(argv[2]);
    cholmod_common c;
    cholmod_start(&c);
    c.supernodal = !strcmp(argv[1], "super") ? CHOLMOD_SUPERNODAL : CHOLMOD_SIMPLICIAL;
    c.final_ll = 1;
    FILE *f = fopen(argv[4], "r");
    cholmod_sparse *M = cholmod_read_sparse(f, &c);
    fclose(f);
    if (M->stype < 0) { cholmod_sparse *U = cholmod_transpose(M, 1, &c); cholmod_free_sparse(&M, &c); M = U; }
    int m = (int)M->nrow, r = p + 1, q = m - r;
    int *rows = malloc(m * sizeof(int));
    for (int i = 0; i < m; i++) rows[i] = i;
    M->stype = 0;   /* submatrix refuses symmetric input: take blocks of the stored upper triangle */
    cholmod_sparse *C0 = cholmod_submatrix(M, rows, q, rows, q, 1, 1, &c);
    C0->stype = 1;
    cholmod_sparse *Bs = cholmod_submatrix(M, rows, q, rows + q, r, 1, 1, &c);   /* rows < cols: all stored */
    cholmod_dense *B0 = cholmod_sparse_to_dense(Bs, &c);
    double *D = calloc(r * r, sizeof(double));
    {   /* D from the trailing columns of the upper triangle, plus the I the export subtracted */
        int *Mp = M->p, *Mi = M->i; double *Mx = M->x;
        for (int j = q; j < m; j++)
            for (int k = Mp[j]; k < Mp[j + 1]; k++)
                if (Mi[k] >= q) { D[(Mi[k] - q) + (j - q) * r] = D[(j - q) + (Mi[k] - q) * r] = Mx[k]; }
        for (int j = 0; j < r; j++) D[j + j * r] += 1;
    }
    int *perm = malloc(q * sizeof(int));
    f = fopen(argv[3], "r");
    for (int i = 0; i < q; i++) if (fscanf(f, "%d", &perm[i]) != 1) { fprintf(stderr, "bad perm\n"); return 1; }
    fclose(f);
    c.nmethods = 1; c.method[0].ordering = CHOLMOD_GIVEN; c.postorder = 1;
    cholmod_sparse *C = cholmod_copy_sparse(C0, &c);
    cholmod_dense *B = cholmod_copy_dense(B0, &c);
    cholmod_factor *L = cholmod_analyze_p(C, perm, NULL, 0, &c);
    double beta[2] = {1, 0}, *t = malloc((reps + 1) * sizeof(double)), reml = 0, c0 = 0;
    double *S = malloc(r * r * sizeof(double));
    size_t nzC = cholmod_nnz(C0, &c);
    int *Ci = C0->i, *Cp = C0->p;
    for (int rep = 0; rep <= reps; rep++) {   /* rep 0: warm-up, not timed */
        if (rep == 1) c0 = cpu();
        double s0 = now();
        /* 1. C(theta) and B(theta) from the fixed cross products (scalar lambdas s = 1: the pass only) */
        double *x0 = C0->x, *x = C->x;
        for (int j = 0; j < q; j++) for (int k = Cp[j]; k < Cp[j + 1]; k++) x[k] = x0[k] * 1.0 * 1.0;
        (void)Ci; (void)nzC;
        double *b0 = B0->x, *b = B->x;
        for (int k = 0; k < q * r; k++) b[k] = b0[k] * 1.0;
        /* 2. factor */
        cholmod_factorize_p(C, beta, NULL, 0, L, &c);
        /* 3. W = L^{-1} P B */
        cholmod_dense *PB = cholmod_solve(CHOLMOD_P, L, B, &c);
        cholmod_dense *W = cholmod_solve(CHOLMOD_L, L, PB, &c);
        /* 4. S = D - W'W, Cholesky, criterion */
        double *w = W->x;
        for (int a = 0; a < r; a++) for (int bb = 0; bb <= a; bb++) {
            double s = 0; for (int i = 0; i < q; i++) s += w[i + a * q] * w[i + bb * q];
            S[a + bb * r] = D[a + bb * r] - s;
        }
        double ldx = 0;
        for (int j = 0; j < r; j++) {   /* in-place lower Cholesky of S */
            for (int k = 0; k < j; k++) for (int i = j; i < r; i++) S[i + j * r] -= S[i + k * r] * S[j + k * r];
            double d = sqrt(S[j + j * r]);
            for (int i = j; i < r; i++) S[i + j * r] /= d;
            if (j < p) ldx += 2 * log(d);
        }
        double pwrss = S[(r - 1) + (r - 1) * r] * S[(r - 1) + (r - 1) * r], dof = n - p;
        reml = logdetL(L) + ldx + dof * (1 + log(2 * M_PI * pwrss / dof));
        cholmod_free_dense(&PB, &c); cholmod_free_dense(&W, &c);
        if (rep > 0) t[rep - 1] = now() - s0;
    }
    double cpu_ms = 1e3 * (cpu() - c0) / reps;
    qsort(t, reps, sizeof(double), cmp);
    printf("{\"mode\": \"%s\", \"file\": \"%s\", \"q\": %d, \"p\": %d, \"is_super\": %d, \"eval_median_ms\": %.3f, \"min_ms\": %.3f, \"cpu_ms\": %.3f, \"reml\": %.10g}\n",
           argv[1], argv[4], q, p, L->is_super, 1e3 * t[reps / 2], 1e3 * t[0], cpu_ms, reml);
    cholmod_free_factor(&L, &c);
    cholmod_finish(&c);
    return 0;
}
