using System.Net;

using Microsoft.Extensions.Logging;

namespace KestrelOneShot.Http;

internal static partial class HttpLog
{
    [LoggerMessage(60, LogLevel.Information, "Served {RequestLine} on connection {ConnectionId} from {Remote}{Via}: {Bytes} body bytes{Capped}", EventName = "HttpServed")]
    public static partial void Served(ILogger logger, string requestLine, string connectionId, EndPoint? remote, string via, long bytes, string capped);

    [LoggerMessage(61, LogLevel.Debug, "Health check {RequestLine} on connection {ConnectionId} from {Remote}: answered 200", EventName = "HttpHealthCheck")]
    public static partial void HealthCheck(ILogger logger, string requestLine, string connectionId, EndPoint? remote);

    [LoggerMessage(62, LogLevel.Information, "Latecomer {RequestLine} on connection {ConnectionId} from {Remote}: answered 503, the shot was already taken", EventName = "HttpLatecomer")]
    public static partial void Latecomer(ILogger logger, string requestLine, string connectionId, EndPoint? remote);

    [LoggerMessage(63, LogLevel.Warning, "{RequestLine} on connection {ConnectionId} from {Remote} was served: {Warning}", EventName = "HttpServedWithWarning")]
    public static partial void ServedWithWarning(ILogger logger, string requestLine, string connectionId, EndPoint? remote, string warning);

    [LoggerMessage(64, LogLevel.Warning, "Connection {ConnectionId} from {Remote} closed: {Reason}", EventName = "HttpRefused")]
    public static partial void Refused(ILogger logger, string connectionId, EndPoint? remote, string reason);

    [LoggerMessage(65, LogLevel.Warning, "WebSocket on connection {ConnectionId} from {Remote} ended before its answer was sent: {Reason}", EventName = "WebSocketNotAnswered")]
    public static partial void WebSocketNotAnswered(ILogger logger, string connectionId, EndPoint? remote, string reason);
}
