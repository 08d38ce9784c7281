/* Signal handling for the CLI. A signal handler can only talk to the program
 * through a static object, so this file holds the one piece of mutable global
 * state the tool has: the stop flag (and which signal set it). The library
 * never sees it except as the borrowed `volatile int *` it is given. */
#define _POSIX_C_SOURCE 200809L
#include "cli/signals.h"

#include <signal.h>
#include <string.h>

static volatile int stop_flag;
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_flag = 1;
    stop_signal = sig;
    /* A second Ctrl-C means "now": the default action ends the process. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

volatile int *eo_cli_stop_flag_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    return &stop_flag;
}

int eo_cli_stop_signal(void) { return (int)stop_signal; }
