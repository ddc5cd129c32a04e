using Microsoft.AspNetCore.Connections;

namespace KestrelOneShot.Connections;

/// <summary>What the pipeline made of a connection; whoever decides says so, once.</summary>
internal enum ConnectionVerdict
{
    /// <summary>Nothing in the pipeline decided: it ended before anyone read a message (a failed TLS handshake, say). A probe.</summary>
    Undecided,

    /// <summary>Closed, reset or silent before sending anything that counts: a health check or a port probe.</summary>
    Probe,

    /// <summary>Sent something the endpoint refuses (a bad PROXY header); one warning says why.</summary>
    Rejected,

    /// <summary>Took a shot.</summary>
    Served,

    /// <summary>Sent data after every shot was taken; closed unanswered.</summary>
    TurnedAway,

    /// <summary>Closed unanswered because the server is stopping.</summary>
    Stopped,
}

/// <summary>
/// Carries a connection's <see cref="ConnectionVerdict"/> from where it is decided (a middleware, the
/// handler) to whoever set the feature at the start of the pipeline.
/// </summary>
internal sealed class ConnectionVerdictFeature
{
    public ConnectionVerdict Verdict { get; set; }
}

internal static class ConnectionVerdictExtensions
{
    /// <summary>Records the verdict, where the pipeline asked for one.</summary>
    public static void SetVerdict(this ConnectionContext connection, ConnectionVerdict verdict)
    {
        if (connection.Features.Get<ConnectionVerdictFeature>() is { } feature)
        {
            feature.Verdict = verdict;
        }
    }
}
