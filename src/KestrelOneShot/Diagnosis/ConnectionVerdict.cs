using KestrelOneShot.Connections;

using Microsoft.AspNetCore.Connections;

namespace KestrelOneShot.Diagnosis;

/// <summary>What the pipeline made of a connection; whoever decides says so, once.</summary>
internal enum ConnectionVerdict
{
    /// <summary>Nothing in the pipeline decided: it ended before anyone read a message (a failed TLS handshake, say). A health check.</summary>
    Undecided,

    /// <summary>Closed, reset or silent before sending anything that counts, or a proxy's check request: a health check or a port probe.</summary>
    HealthCheck,

    /// <summary>Sent something the endpoint refuses (a bad PROXY header, plain bytes on a TLS port); one warning says why.</summary>
    Rejected,

    /// <summary>Took a shot.</summary>
    Served,

    /// <summary>Sent data after every shot was taken; closed unanswered.</summary>
    Latecomer,

    /// <summary>Carried HTTP requests, each recorded on its own (served, health check, latecomer).</summary>
    Answered,

    /// <summary>Closed unanswered because the server is stopping.</summary>
    Stopped,
}

/// <summary>Where in the pipeline a connection was turned away.</summary>
internal enum ConnectionStage
{
    /// <summary>Reading the message: the handler.</summary>
    Read,

    /// <summary>Reading the PROXY protocol header.</summary>
    Proxy,

    /// <summary>Before or during the TLS handshake.</summary>
    Tls,

    /// <summary>Kestrel's HTTP layer: a request it refused, or a check request answered.</summary>
    Http,
}

/// <summary>
/// Carries a connection's <see cref="ConnectionVerdict"/>, and for one that was turned away where and
/// why and what it began with, from where it is decided (a middleware, the handler) to whoever set the
/// feature at the start of the pipeline.
/// </summary>
internal sealed class ConnectionVerdictFeature
{
    public ConnectionVerdict Verdict { get; set; }

    public ConnectionStage Stage { get; set; }

    public string? Reason { get; set; }

    public FirstBytes? Began { get; set; }
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

    /// <summary>
    /// Records a verdict that turns the connection away, with where and why, and what it began with
    /// when that is known here; otherwise what an earlier middleware noted stays.
    /// </summary>
    public static void SetVerdict(this ConnectionContext connection, ConnectionVerdict verdict, ConnectionStage stage, string reason, FirstBytes? began = null)
    {
        if (connection.Features.Get<ConnectionVerdictFeature>() is { } feature)
        {
            (feature.Verdict, feature.Stage, feature.Reason) = (verdict, stage, reason);
            feature.Began = began ?? feature.Began;
        }
    }

    /// <summary>
    /// Records what a first read without data makes of the connection: a health check (closed, silent,
    /// reset) at <paramref name="stage"/>, or stopped, in the words of <see cref="FirstRead.Describe"/>.
    /// </summary>
    public static void SetVerdict(this ConnectionContext connection, FirstRead read, ConnectionStage stage)
    {
        if (read.End == FirstReadEnd.Stopping)
        {
            connection.SetVerdict(ConnectionVerdict.Stopped);
        }
        else
        {
            connection.SetVerdict(ConnectionVerdict.HealthCheck, stage, read.Describe());
        }
    }

    /// <summary>Notes what the connection began with, for a verdict decided further on (a handshake that fails, say).</summary>
    public static void NoteFirstBytes(this ConnectionContext connection, FirstBytes began)
    {
        if (connection.Features.Get<ConnectionVerdictFeature>() is { } feature)
        {
            feature.Began = began;
        }
    }
}
