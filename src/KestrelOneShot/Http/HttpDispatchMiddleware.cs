using System.Buffers;

using KestrelOneShot.Connections;
using KestrelOneShot.Diagnosis;
using KestrelOneShot.Transports;

using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Logging;

namespace KestrelOneShot.Http;

/// <summary>
/// The last step of an HTTP endpoint's pipeline (<see cref="ListenOptionsHttpExtensions.UseOneShotHttp"/>):
/// waits for the first bytes as every stage does, chooses the protocol (TLS: what ALPN agreed;
/// cleartext: the HTTP/2 preface or not), and hands the connection to the in-process endpoint where
/// Kestrel's HTTP layer of that protocol serves it. A connection that carried no request Kestrel
/// accepted is turned away here, with the reason Kestrel gave.
/// </summary>
internal sealed class HttpDispatchMiddleware(HandoffTransport handoff, KestrelRefusals refusals, TimeSpan readTimeout, TimeProvider time, ILogger logger)
{
    /// <summary>Where HTTP/1.x connections are served.</summary>
    public static HandoffEndPoint Http1 { get; } = new("http1");

    /// <summary>Where HTTP/2 connections (h2 by ALPN, or h2c with prior knowledge) are served.</summary>
    public static HandoffEndPoint Http2 { get; } = new("h2");

    private static ReadOnlySpan<byte> Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        var (endpoint, began) = await ChooseAsync(connection);
        if (endpoint is null)
        {
            return;
        }

        if (!await handoff.HandOffAsync(connection, endpoint))
        {
            connection.SetVerdict(ConnectionVerdict.Stopped);
            return;
        }

        var refusal = refusals.Take(connection.ConnectionId);
        var reason = connection.Features.Get<ConnectionVerdictFeature>()?.Verdict switch
        {
            // No request reached the application: Kestrel refused it, or the client stopped half way.
            ConnectionVerdict.Undecided => refusal is null ? "closed before a complete request" : $"Kestrel refused the request: {refusal}",
            // Its requests so far were recorded one by one (health checks); the one Kestrel refused
            // after them reached no application, so it is recorded here.
            ConnectionVerdict.Answered when refusal is not null => $"Kestrel refused a later request on this keep-alive connection: {refusal}",
            _ => null,
        };
        if (reason is not null)
        {
            connection.SetVerdict(ConnectionVerdict.Rejected, ConnectionStage.Http, reason, began);
            HttpLog.Refused(logger, connection.ConnectionId, connection.RemoteEndPoint, $"{reason} (it began with {began.Describe()})");
        }
    }

    /// <summary>The endpoint for the connection and what it began with; no endpoint when it sent nothing.</summary>
    private async Task<(HandoffEndPoint? Endpoint, FirstBytes Began)> ChooseAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        var first = await FirstRead.ReadAsync(connection, readTimeout, time);
        if (!first.HasData)
        {
            connection.SetVerdict(first, ConnectionStage.Http);
            return (null, FirstBytes.Nothing);
        }

        var buffer = first.Result.Buffer;
        if (connection.Features.Get<ITlsApplicationProtocolFeature>() is { } alpn && connection.Features.Get<ITlsHandshakeFeature>() is not null)
        {
            var began = FirstBytesClassifier.Classify(buffer);
            input.AdvanceTo(buffer.Start); // Nothing consumed: Kestrel reads it all.
            return (alpn.ApplicationProtocol.Span.SequenceEqual("h2"u8) ? Http2 : Http1, began);
        }

        // Cleartext: a prefix of the preface may still become one, so wait for the rest of it.
        using var deadline = new ReadDeadline(connection, readTimeout, time);
        var completed = first.Result.IsCompleted;
        var classified = FirstBytesClassifier.Classify(buffer);
        while (buffer.Length < Preface.Length && !completed && StartsLikePreface(buffer))
        {
            input.AdvanceTo(buffer.Start, buffer.End);
            var more = await FirstRead.ReadAsync(input, deadline, readTimeout);
            if (!more.HasData)
            {
                var reason = more.End == FirstReadEnd.TimedOut ? $"the HTTP/2 preface did not complete within {Duration.Format(readTimeout)}" : "stopped inside the HTTP/2 preface";
                connection.SetVerdict(more.End == FirstReadEnd.Stopping ? ConnectionVerdict.Stopped : ConnectionVerdict.Rejected, ConnectionStage.Http, reason, classified);
                return (null, classified);
            }

            (buffer, completed) = (more.Result.Buffer, more.Result.IsCompleted);
            classified = FirstBytesClassifier.Classify(buffer);
        }

        var isHttp2 = buffer.Length >= Preface.Length && StartsLikePreface(buffer.Slice(0, Preface.Length));
        input.AdvanceTo(buffer.Start);
        return (isHttp2 ? Http2 : Http1, classified);
    }

    private static bool StartsLikePreface(ReadOnlySequence<byte> buffer)
    {
        Span<byte> start = stackalloc byte[Preface.Length];
        var length = (int)Math.Min(buffer.Length, Preface.Length);
        buffer.Slice(0, length).CopyTo(start);
        return Preface.StartsWith(start[..length]);
    }
}
