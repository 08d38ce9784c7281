/* SIGINT/SIGTERM -> a stop flag that long-running commands poll. */
#ifndef EO_CLI_SIGNALS_H
#define EO_CLI_SIGNALS_H

/* Install handlers for SIGINT and SIGTERM that set a flag (and, for a second
 * SIGINT, restore the default action so that another Ctrl-C kills at once).
 * Returns the flag, which stays valid for the life of the process. */
volatile int *eo_cli_stop_flag_install(void);
/* The signal that set the flag (0 if none). */
int eo_cli_stop_signal(void);

#endif
