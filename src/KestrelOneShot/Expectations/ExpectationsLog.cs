using System.Net;

using Microsoft.Extensions.Logging;

namespace KestrelOneShot.Expectations;

internal static partial class ExpectationsLog
{
    /// <summary>
    /// One warning per unmet expectation is the contract, so this event is never summarised; their
    /// number is bounded by the run's own switches (<c>--count</c> times the expectations).
    /// </summary>
    public const int UnmetEventId = 50;

    [LoggerMessage(UnmetEventId, LogLevel.Warning, "Connection {ConnectionId} from {Remote} was served, not as expected: {Name} {Expected} expected ({Switch}), got {Actual}{Hint}", EventName = "ExpectationUnmet")]
    private static partial void Unmet(ILogger logger, string connectionId, EndPoint? remote, string name, string expected, string @switch, string actual, string hint);

    public static void Unmet(ILogger logger, string connectionId, EndPoint? remote, ExpectationResult unmet) =>
        Unmet(logger, connectionId, remote, unmet.Name, unmet.Expected, unmet.Switch, unmet.Actual ?? "none", unmet.Hint is { } hint ? $": {hint}" : "");
}
