// The start-up harness: starts each server, polls connect() until it accepts, exchanges one message,
// closes, and reaps it; servers interleaved run by run. Native, and asleep whenever it waits
// (usleep between connect() attempts, poll() on a pidfd for the exit), so that on a 2-core machine
// the client does not compete with the server it measures. It prints the table and its own CPU use.
//
//   startup --runs N SERVER...            the table (ratios to the servers tagged ref: and bare:)
//   startup --client PORT --runs N        only the client, N times on one port (for perf stat -r N)
//   startup --free-port                   prints a port free on 127.0.0.1 now
//
//   SERVER = [ref:][bare:][tls:][http:][poll=µs:]LABEL=COMMAND [ARG...]   ({port} in an argument becomes
//            the run's port; poll= sets the pause between connect() attempts, 200 µs unless given;
//            http: sends the message as the body of an HTTP/1.1 POST and reads the response to its end)
//
// Every server's stdin is a file holding the answer (only nc reads it), stdout is /dev/null, and
// stderr is kept to be shown if a run fails. Peak RSS is the kernel's VmHWM of the server while it
// lives; its CPU time is wait4's rusage.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static const char MESSAGE[] = "Who is there?\n";
static const char ANSWER[] = "Good talking to you\n";
static const char HTTP_REQUEST[] = "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 14\r\n\r\nWho is there?\n";
enum { BOUND_MS = 15000, POLL_US = 200, MAX_SERVERS = 16, MAX_ARGS = 32 };

typedef struct {
    char label[160];
    char *argv[MAX_ARGS + 1];
    int ref, bare, tls, http, poll_us;
    double *accepts, *exits, *round_trips, *rss_mib, *cpu_ms, *harness_ms;
} server_t;

static pid_t running = -1;
static int stdin_file = -1, stderr_file = -1;
static SSL_CTX *tls_context;

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

// Every failure ends the harness: the running server is killed (by its pid) first.
static void die(const char *format, ...) {
    if (running > 0) {
        kill(running, SIGKILL);
        waitpid(running, NULL, 0);
    }
    va_list args;
    va_start(args, format);
    fputs("startup: ", stderr);
    vfprintf(stderr, format, args);
    va_end(args);
    fputc('\n', stderr);
    exit(1);
}

static int free_port(void) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t length = sizeof a;
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 || getsockname(s, (struct sockaddr *)&a, &length) < 0)
        die("no free port: %s", strerror(errno));
    close(s);
    return ntohs(a.sin_port);
}

// Polls connect() until the server listens, asleep between attempts on the server's pidfd (so an
// early exit ends the wait at once); -1 if the server exited first or nothing listened within the
// bound. One socket for all attempts: Linux lets a socket whose connect() was refused try again.
static int connect_polling(int port, int pidfd, double start, int poll_us) {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) die("socket: %s", strerror(errno));
    const struct timespec pause = {.tv_nsec = poll_us * 1000L};
    for (;;) {
        if (connect(s, (struct sockaddr *)&a, sizeof a) == 0) return s;
        if (errno == ECONNRESET) { // Queued at a listener that closed (the client alone: the previous run's server).
            close(s);
            if ((s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) die("socket: %s", strerror(errno));
        } else if (errno != ECONNREFUSED) {
            die("connect to 127.0.0.1:%d: %s", port, strerror(errno));
        }
        struct pollfd exited = {.fd = pidfd, .events = POLLIN};
        if (ppoll(&exited, pidfd >= 0, &pause, NULL) > 0 || now_ms() - start > BOUND_MS) {
            close(s);
            return -1;
        }
    }
}

// VmHWM, the peak resident set of the process's own image (wait4's ru_maxrss would also count the
// harness's pages that the child had before exec); 0 once the process is gone.
static double peak_rss_mib(pid_t pid) {
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *status = fopen(path, "r");
    long kib = 0;
    while (status && fgets(line, sizeof line, status))
        if (sscanf(line, "VmHWM: %ld kB", &kib) == 1) break;
    if (status) fclose(status);
    return kib / 1024.0;
}

// HTTP: sends the request and reads until the response's body (the answer) is in; 0 once
// answered, -1 if the connection was reset or ended without a byte.
static int exchange_http(int s, const char *label) {
    if (send(s, HTTP_REQUEST, sizeof HTTP_REQUEST - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof HTTP_REQUEST - 1)) {
        if (errno == ECONNRESET || errno == EPIPE) return -1;
        die("%s: send: %s", label, strerror(errno));
    }
    char response[2048] = {0};
    size_t received = 0, want = sizeof ANSWER - 1;
    ssize_t n;
    while ((received < want || strcmp(response + received - want, ANSWER) != 0)
           && received < sizeof response - 1 && (n = recv(s, response + received, sizeof response - 1 - received, 0)) > 0) received += n;
    if (received == 0) return -1;
    if (strncmp(response, "HTTP/1.1 200 ", 13) != 0 || received < want || strcmp(response + received - want, ANSWER) != 0)
        die("%s answered '%s'", label, response);
    return 0;
}

// Sends the message and reads until the answer is in (the close is part of the exit, not of the
// exchange); 0 once answered, -1 if the connection was reset or ended without a byte.
static int exchange(int s, const char *label, int tls, int http) {
    if (http) return exchange_http(s, label);
    struct timeval bound = {.tv_sec = BOUND_MS / 1000};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound);
    setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &bound, sizeof bound);
    char answer[64] = {0};
    size_t received = 0, want = sizeof ANSWER - 1;
    if (tls) {
        SSL *ssl = SSL_new(tls_context);
        SSL_set_fd(ssl, s);
        SSL_set_tlsext_host_name(ssl, "localhost");
        if (SSL_connect(ssl) != 1) die("%s: TLS handshake failed: %s", label, ERR_error_string(ERR_get_error(), NULL));
        if (SSL_write(ssl, MESSAGE, sizeof MESSAGE - 1) <= 0) die("%s: TLS write failed", label);
        int n;
        while (received < want && (n = SSL_read(ssl, answer + received, sizeof answer - 1 - received)) > 0) received += n;
        SSL_free(ssl);
    } else {
        if (send(s, MESSAGE, sizeof MESSAGE - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof MESSAGE - 1)) {
            if (errno == ECONNRESET || errno == EPIPE) return -1;
            die("%s: send: %s", label, strerror(errno));
        }
        ssize_t n;
        while (received < want && (n = recv(s, answer + received, sizeof answer - 1 - received, 0)) > 0) received += n;
    }
    if (received == 0) return -1;
    if (strncmp(answer, ANSWER, want) != 0) die("%s answered '%s'", label, answer);
    return 0;
}

static void show_stderr(void) {
    char text[2048];
    ssize_t n = pread(stderr_file, text, sizeof text - 1, 0);
    if (n > 0) {
        text[n] = '\0';
        fprintf(stderr, "its stderr:\n%s", text);
    }
}

static double rusage_ms(const struct rusage *usage) {
    return (usage->ru_utime.tv_sec + usage->ru_stime.tv_sec) * 1e3 + (usage->ru_utime.tv_usec + usage->ru_stime.tv_usec) / 1e3;
}

static double harness_cpu_ms(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return rusage_ms(&usage);
}

static void measure(server_t *server, int run) {
    int port = free_port();
    char port_text[16];
    snprintf(port_text, sizeof port_text, "%d", port);
    char *argv[MAX_ARGS + 1];
    for (int i = 0; i <= MAX_ARGS; i++) argv[i] = server->argv[i] && strcmp(server->argv[i], "{port}") == 0 ? port_text : server->argv[i];

    lseek(stdin_file, 0, SEEK_SET);
    if (ftruncate(stderr_file, 0) != 0) die("stderr file: %s", strerror(errno));
    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    posix_spawn_file_actions_adddup2(&files, stdin_file, 0);
    posix_spawn_file_actions_addopen(&files, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&files, stderr_file, 2);

    double harness_start = harness_cpu_ms(), start = now_ms();
    int spawned = posix_spawnp(&running, argv[0], &files, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&files);
    if (spawned != 0) die("%s: cannot start %s: %s", server->label, argv[0], strerror(spawned));
    int pidfd = (int)syscall(SYS_pidfd_open, running, 0);
    if (pidfd < 0) die("pidfd_open: %s", strerror(errno));

    int s = connect_polling(port, pidfd, start, server->poll_us);
    if (s < 0) {
        show_stderr();
        die("%s: nothing accepted on 127.0.0.1:%d", server->label, port);
    }
    double accepts = now_ms();
    double rss = peak_rss_mib(running); // Now, in case the server is gone right after answering (the C++ one is).
    double exchanged_from = now_ms();
    if (exchange(s, server->label, server->tls, server->http) != 0) die("%s closed the connection without answering", server->label);
    double answered = now_ms();
    double rss_after = peak_rss_mib(running);
    close(s);

    struct pollfd exited = {.fd = pidfd, .events = POLLIN};
    if (poll(&exited, 1, BOUND_MS) != 1) die("%s did not exit", server->label);
    int status;
    struct rusage usage;
    if (wait4(running, &status, 0, &usage) != running) die("wait4: %s", strerror(errno));
    double exit = now_ms();
    running = -1;
    close(pidfd);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        show_stderr();
        die("%s ended with status %d", server->label, status);
    }

    server->accepts[run] = accepts - start;
    server->exits[run] = exit - start;
    server->round_trips[run] = answered - exchanged_from;
    server->rss_mib[run] = rss_after > rss ? rss_after : rss;
    server->cpu_ms[run] = rusage_ms(&usage);
    server->harness_ms[run] = harness_cpu_ms() - harness_start;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double percentile(const double *values, int n, int percent) {
    double sorted[n];
    memcpy(sorted, values, sizeof sorted);
    qsort(sorted, n, sizeof *sorted, compare);
    return sorted[(int)lround((n - 1) * percent / 100.0)];
}

static void cell(const server_t *server, const server_t *ref, const server_t *bare, size_t field, int runs, const char *unit) {
#define FIGURE(s) (*(double *const *)((const char *)(s) + field))
    const double *values = FIGURE(server);
    double median = percentile(values, runs, 50);
    printf(" %.1f %s (%.1f–%.1f)", median, unit, percentile(values, runs, 10), percentile(values, runs, 90));
    char ratios[64] = "";
    if (ref && ref != server) snprintf(ratios, sizeof ratios, "%.1f× C++", median / percentile(FIGURE(ref), runs, 50));
    if (bare && bare != server)
        snprintf(ratios + strlen(ratios), sizeof ratios - strlen(ratios), "%s%.1f× bare", ratios[0] ? ", " : "", median / percentile(FIGURE(bare), runs, 50));
    if (ratios[0]) printf(" (%s)", ratios);
    printf(" |");
#undef FIGURE
}

// The client alone, for an independent clock around a server (perf stat -r N SERVER PORT): it
// connects, exchanges and closes N times. It closes with a reset, so that no TIME_WAIT keeps the
// port from the server's next run (the tutorial's server sets no SO_REUSEADDR). A connection closed
// without a byte landed in the backlog of a server that had answered and was closing its listener:
// the next run's server is polled for again.
static int client_only(int port, int runs) {
    for (int run = 0; run < runs;) {
        int s = connect_polling(port, -1, now_ms(), POLL_US);
        if (s < 0) die("nothing accepted on 127.0.0.1:%d (run %d of %d)", port, run + 1, runs);
        if (exchange(s, "the server", 0, 0) == 0) run++;
        struct linger reset = {.l_onoff = 1, .l_linger = 0};
        setsockopt(s, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
        close(s);
    }
    return 0;
}

static void usage(void) {
    fputs("usage: startup --runs N [ref:][bare:][tls:][http:][poll=µs:]LABEL=COMMAND [ARG...] ...   ({port} becomes the run's port)\n"
          "       startup --client PORT --runs N\n"
          "       startup --free-port\n", stderr);
    exit(2);
}

int main(int argc, char **argv) {
    int runs = 20, port = 0, count = 0;
    server_t servers[MAX_SERVERS] = {0};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) runs = atoi(argv[++i]);
        else if (strcmp(argv[i], "--client") == 0 && i + 1 < argc) port = atoi(argv[++i]);
        else if (strcmp(argv[i], "--free-port") == 0) return printf("%d\n", free_port()) < 0;
        else if (count < MAX_SERVERS) {
            server_t *server = &servers[count++];
            char *spec = argv[i], *equals;
            for (;;) {
                if (strncmp(spec, "ref:", 4) == 0) server->ref = 1, spec += 4;
                else if (strncmp(spec, "bare:", 5) == 0) server->bare = 1, spec += 5;
                else if (strncmp(spec, "tls:", 4) == 0) server->tls = 1, spec += 4;
                else if (strncmp(spec, "http:", 5) == 0) server->http = 1, spec += 5;
                else if (sscanf(spec, "poll=%d:", &server->poll_us) == 1 && server->poll_us > 0 && server->poll_us < 1000000) spec = strchr(spec, ':') + 1;
                else break;
            }
            if (server->poll_us == 0) server->poll_us = POLL_US;
            if (!(equals = strchr(spec, '='))) usage();
            snprintf(server->label, sizeof server->label, "%.*s", (int)(equals - spec), spec);
            int n = 0;
            for (char *word = strtok(equals + 1, " "); word && n < MAX_ARGS; word = strtok(NULL, " ")) server->argv[n++] = word;
            if (n == 0) usage();
        } else usage();
    }
    if (runs < 1) usage();
    signal(SIGPIPE, SIG_IGN);
    if (port > 0) return client_only(port, runs);
    if (count == 0) usage();

    tls_context = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(tls_context, SSL_VERIFY_NONE, NULL); // Each run's server makes a new certificate (--tls).
    FILE *answer = tmpfile(), *errors = tmpfile();
    if (!answer || !errors) die("tmpfile: %s", strerror(errno));
    fputs(ANSWER, answer);
    fflush(answer);
    stdin_file = fileno(answer);
    stderr_file = fileno(errors);

    server_t *ref = NULL, *bare = NULL;
    for (int i = 0; i < count; i++) {
        server_t *s = &servers[i];
        if (s->ref) ref = s;
        if (s->bare) bare = s;
        double **figures[] = {&s->accepts, &s->exits, &s->round_trips, &s->rss_mib, &s->cpu_ms, &s->harness_ms};
        for (size_t f = 0; f < sizeof figures / sizeof *figures; f++) *figures[f] = calloc(runs, sizeof(double));
    }

    double wall = now_ms(), harness_ms = -harness_cpu_ms();
    for (int run = 0; run < runs; run++)
        for (int i = 0; i < count; i++) measure(&servers[(i + run) % count], run); // The order rotates every run.
    wall = now_ms() - wall;
    harness_ms += harness_cpu_ms();

    printf("%d interleaved runs per server; median (p10–p90); ratios to the medians of the C++ reference (C++) and of Kestrel alone (bare)\n\n", runs);
    printf("| server | start → accepts | start → exit after one exchange | exchange round trip | peak RSS | CPU (user + sys) | harness CPU |\n|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < count; i++) {
        server_t *s = &servers[i];
        printf("| %s |", s->label);
        cell(s, ref, bare, offsetof(server_t, accepts), runs, "ms");
        cell(s, ref, bare, offsetof(server_t, exits), runs, "ms");
        cell(s, ref, bare, offsetof(server_t, round_trips), runs, "ms");
        cell(s, ref, bare, offsetof(server_t, rss_mib), runs, "MiB");
        cell(s, ref, bare, offsetof(server_t, cpu_ms), runs, "ms");
        printf(" %.2f ms |\n", percentile(s->harness_ms, runs, 50));
    }
    printf("\nHarness CPU: %.0f ms over %.1f s of runs (%.1f%% of one core); connect() polled every %d µs unless the row says, asleep in between.\n",
           harness_ms, wall / 1e3, 100 * harness_ms / wall, POLL_US);
    if (ref) {
        double sum = 0;
        for (int run = 0; run < runs; run++) sum += ref->exits[run];
        printf("C++ reference, start → exit after one exchange: mean %.2f ms (for comparison with perf stat).\n", sum / runs);
    }
    return 0;
}
