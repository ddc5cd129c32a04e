using System.Net;

using Microsoft.Extensions.Logging;

namespace KestrelOneShot.Expectations;

internal static partial class ExpectationsLog
{
    [LoggerMessage(50, LogLevel.Warning, "Connection {ConnectionId} from {Remote} was served, not as expected: {Name} {Expected} expected ({Switch}), got {Actual}", EventName = "ExpectationUnmet")]
    public static partial void Unmet(ILogger logger, string connectionId, EndPoint? remote, string name, string expected, string @switch, string actual);
}
