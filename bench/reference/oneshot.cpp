// The C++ reference for the benchmark: the tutorial's one-shot server (socket, bind, listen,
// accept, one read of at most 100 bytes, print, answer, exit), with the port as its argument so
// that runs can use free ports. It keeps the tutorial's behaviour, defects included, except that
// the printed buffer is terminated.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char** argv) {
    const int port = argc > 1 ? std::atoi(argv[1]) : 9999;
    const int listener = socket(AF_INET, SOCK_STREAM, 0);
    if (listener < 0) { std::printf("Failed to create socket. errno: %d\n", errno); return EXIT_FAILURE; }

    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = INADDR_ANY;
    address.sin_port = htons(static_cast<uint16_t>(port));
    if (bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)) < 0) {
        std::printf("Failed to bind to port %d. errno: %d\n", port, errno);
        return EXIT_FAILURE;
    }
    if (listen(listener, 10) < 0) { std::printf("Failed to listen on socket. errno: %d\n", errno); return EXIT_FAILURE; }

    socklen_t length = sizeof(address);
    const int connection = accept(listener, reinterpret_cast<sockaddr*>(&address), &length);
    if (connection < 0) { std::printf("Failed to grab connection. errno: %d\n", errno); return EXIT_FAILURE; }

    char buffer[101] = {};
    const ssize_t read_bytes = read(connection, buffer, 100);
    buffer[read_bytes > 0 ? read_bytes : 0] = '\0';
    std::printf("The message was: %s", buffer);
    std::fflush(stdout);

    const char* response = "Good talking to you\n";
    send(connection, response, std::strlen(response), 0);
    close(connection);
    close(listener);
    return 0;
}
