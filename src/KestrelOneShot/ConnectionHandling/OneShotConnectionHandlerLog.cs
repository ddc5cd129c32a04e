using System.Net;

using KestrelOneShot.Tls;

using Microsoft.Extensions.Logging;

namespace KestrelOneShot.ConnectionHandling;

internal static partial class OneShotConnectionHandlerLog
{
    [LoggerMessage(10, LogLevel.Information, "Served connection {ConnectionId} from {Remote}{Via}{Over}: {Bytes} bytes{Capped}", EventName = "Served")]
    private static partial void Served(ILogger logger, string connectionId, EndPoint? remote, string via, string over, long bytes, string capped);

    /// <summary>
    /// "Served connection 0HN… from 203.0.113.7:51000 via proxy 127.0.0.1:40000 over TLSv1.3
    /// (SNI oneshot.test): 15 bytes": the proxy and TLS parts only where they apply.
    /// </summary>
    public static void Served(ILogger logger, string connectionId, EndPoint? remote, EndPoint? hop, TlsFacts? tls, long bytes, bool capped)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            var via = hop is null ? "" : $" via proxy {hop}";
            var over = tls is null ? "" : tls.Sni is { } sni ? $" over {tls.Protocol} (SNI {sni})" : $" over {tls.Protocol}";
            Served(logger, connectionId, remote, via, over, bytes, CappedNote(capped));
        }
    }

    private static string CappedNote(bool capped) => capped ? " (capped; the rest is discarded)" : "";

    [LoggerMessage(12, LogLevel.Debug, "Health check {ConnectionId} from {Remote}: {How}", EventName = "HealthCheck")]
    public static partial void HealthCheck(ILogger logger, string connectionId, EndPoint? remote, string how);

    [LoggerMessage(15, LogLevel.Debug, "Connection {ConnectionId} from {Remote} closed unanswered: the server is stopping", EventName = "ClosedWhileStopping")]
    public static partial void ClosedWhileStopping(ILogger logger, string connectionId, EndPoint? remote);

    [LoggerMessage(16, LogLevel.Information, "Latecomer {ConnectionId} from {Remote} closed unanswered: the shot was already taken", EventName = "Latecomer")]
    public static partial void Latecomer(ILogger logger, string connectionId, EndPoint? remote);

    [LoggerMessage(17, LogLevel.Warning, "Connection {ConnectionId} from {Remote} went away before the answer was sent: {Reason}", EventName = "AnswerNotSent")]
    public static partial void AnswerNotSent(ILogger logger, string connectionId, EndPoint? remote, string reason);

    [LoggerMessage(18, LogLevel.Debug, "Connection {ConnectionId}: discarded {Bytes} unread bytes before closing", EventName = "Drained")]
    public static partial void Drained(ILogger logger, string connectionId, long bytes);

    [LoggerMessage(19, LogLevel.Warning, "Connection {ConnectionId} from {Remote}: the message served begins with {Began}: {Hint}", EventName = "MessageIsNotRaw")]
    public static partial void MessageIsNotRaw(ILogger logger, string connectionId, EndPoint? remote, string began, string hint);
}
