/* Plots for `optimize` and `compare`: trajectories over the contour map (2-D
 * functions) and convergence charts (f - f* and gradient norm per iteration). */
#ifndef EO_CLI_OPTIMIZE_PLOT_H
#define EO_CLI_OPTIMIZE_PLOT_H

#include "cli/optimize_run.h"

/* Check early that `path` can be plotted (extension, cairo in this build):
 * 0, or prints one line and returns an exit code. */
int eo_cli_plot_check(const char *cmd, const char *path);
/* Draw k recorded traces (names[j] labels trace j) and save to path
 * (PNG or SVG by extension). 0, or prints one line and returns an exit code. */
int eo_cli_plot_runs(const char *cmd, const char *path, const eo_testfn *t,
                     const eo_cli_trace *traces, const char *const *names, int k);

#endif
