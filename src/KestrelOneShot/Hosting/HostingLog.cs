using Microsoft.Extensions.Logging;

namespace KestrelOneShot.Hosting;

internal static partial class HostingLog
{
    [LoggerMessage(1, LogLevel.Information, "Listening on {Endpoints}", EventName = "Ready")]
    public static partial void Ready(ILogger logger, string endpoints);

    [LoggerMessage(2, LogLevel.Warning, "Listening on every interface: any host that can reach this machine can take the shot (--address narrows it)", EventName = "EveryInterface")]
    public static partial void EveryInterface(ILogger logger);

    [LoggerMessage(6, LogLevel.Warning, "Listening on every interface of this container: any host or container that can reach it can take the shot (--address narrows it)", EventName = "EveryContainerInterface")]
    public static partial void EveryContainerInterface(ILogger logger);

    [LoggerMessage(3, LogLevel.Warning, "PROXY protocol is optional: any client can claim any address by sending a header", EventName = "OptionalProxyProtocol")]
    public static partial void OptionalProxyProtocol(ILogger logger);

    [LoggerMessage(5, LogLevel.Warning, "{Source}={Value} does not choose where the one-shot listens: use --address and --port (OneShot:Address, OneShot:Port)", EventName = "WebHostAddressIgnored")]
    public static partial void WebHostAddressIgnored(ILogger logger, string source, string value);

    [LoggerMessage(4, LogLevel.Warning, "No connection was served within {WaitTimeout}{Arrived}; stopping (exit 4)", EventName = "WaitTimedOut")]
    public static partial void WaitTimedOut(ILogger logger, string waitTimeout, string arrived);
}
