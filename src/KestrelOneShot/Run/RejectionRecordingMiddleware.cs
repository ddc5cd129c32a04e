using KestrelOneShot.Diagnosis;
using KestrelOneShot.ProxyProtocol;

using Microsoft.AspNetCore.Connections;

namespace KestrelOneShot.Run;

/// <summary>
/// First in every endpoint's pipeline: gives the connection a <see cref="ConnectionVerdictFeature"/>
/// and, once the pipeline is done with it, records it in the run's <see cref="RejectionLog"/> when it
/// was turned away or was a probe, with what the middleware that decided said about it. A middleware
/// that closes a connection without a word (Kestrel's TLS, on a failed handshake) leaves it undecided,
/// which is recorded as a probe at the TLS stage. So every rejection is recorded in one place.
/// </summary>
internal sealed class RejectionRecordingMiddleware(ConnectionDelegate next, OneShotRun run, TimeProvider time)
{
    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        var verdict = new ConnectionVerdictFeature();
        connection.Features.Set(verdict);
        // Before the PROXY middleware makes it the original client's.
        var peer = connection.RemoteEndPoint;
        await next(connection);
        if (verdict.Verdict is ConnectionVerdict.Served or ConnectionVerdict.Stopped or ConnectionVerdict.Answered)
        {
            return;
        }

        var undecided = verdict.Verdict == ConnectionVerdict.Undecided;
        run.Rejections.Record(new Rejection(
            verdict.Verdict,
            undecided ? ConnectionStage.Tls : verdict.Stage,
            undecided ? "the TLS handshake did not complete" : verdict.Reason ?? "closed",
            verdict.Began ?? FirstBytes.Nothing,
            connection.LocalEndPoint,
            peer,
            connection.Features.Get<ProxyHeader>()?.Source,
            time.GetTimestamp()));
    }
}
