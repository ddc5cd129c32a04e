using Microsoft.Extensions.Logging;

namespace KestrelOneShot.Transports;

internal static partial class TransportsLog
{
    [LoggerMessage(30, LogLevel.Warning, "{Cap} connections are open, as many as the file descriptor limit allows (RLIMIT_NOFILE): new connections wait until one closes", EventName = "AtConnectionCap")]
    public static partial void AtConnectionCap(ILogger logger, int cap);

    [LoggerMessage(31, LogLevel.Debug, "At most {Cap} connections at once: {Open} of {Soft} file descriptors (RLIMIT_NOFILE) are open at start, {Reserve} kept in reserve", EventName = "ConnectionCap")]
    public static partial void ConnectionCap(ILogger logger, long cap, int open, long soft, long reserve);

    [LoggerMessage(32, LogLevel.Warning, "At the connection cap ({Cap}) with a client waiting: closed connection {ConnectionId} from {Remote}, the oldest that had sent nothing, to make room", EventName = "EvictedSilent")]
    public static partial void EvictedSilent(ILogger logger, int cap, string connectionId, System.Net.EndPoint? remote);
}
