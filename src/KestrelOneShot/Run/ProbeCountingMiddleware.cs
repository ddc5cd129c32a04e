using KestrelOneShot.Connections;

using Microsoft.AspNetCore.Connections;

namespace KestrelOneShot.Run;

/// <summary>
/// First in every endpoint's pipeline: gives the connection a <see cref="ConnectionVerdictFeature"/>
/// and, once the pipeline is done with it, counts it as a probe when that is what it was, or when
/// nothing decided (a middleware that closes a connection without a word, such as a failed TLS
/// handshake, leaves it undecided). So every middleware's probes are counted in one place.
/// </summary>
internal sealed class ProbeCountingMiddleware(ConnectionDelegate next, OneShotRun run)
{
    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        var verdict = new ConnectionVerdictFeature();
        connection.Features.Set(verdict);
        await next(connection);
        if (verdict.Verdict is ConnectionVerdict.Probe or ConnectionVerdict.Undecided)
        {
            run.ProbeSeen();
        }
    }
}
