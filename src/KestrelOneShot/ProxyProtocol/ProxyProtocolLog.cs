using System.Net;

using Microsoft.Extensions.Logging;

namespace KestrelOneShot.ProxyProtocol;

internal static partial class ProxyProtocolLog
{
    [LoggerMessage(20, LogLevel.Debug, "Health check {ConnectionId} from {Remote}: PROXY v2 LOCAL (a proxy's health check)", EventName = "HealthCheck")]
    public static partial void HealthCheck(ILogger logger, string connectionId, EndPoint? remote);

    [LoggerMessage(21, LogLevel.Debug, "Health check {ConnectionId} from {Remote}: {How}", EventName = "NoHeader")]
    public static partial void NoHeader(ILogger logger, string connectionId, EndPoint? remote, string how);

    [LoggerMessage(22, LogLevel.Warning, "Connection {ConnectionId} from {Remote} closed: {Reason}", EventName = "HeaderRejected")]
    public static partial void HeaderRejected(ILogger logger, string connectionId, EndPoint? remote, string reason);

}
