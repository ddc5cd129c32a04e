using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace KestrelOneShot.Connections;

/// <summary>
/// The token for a connection's first reads: cancelled by ReadTimeout (zero: never) or by Kestrel
/// asking the connection to close.
/// </summary>
/// <remarks>
/// Kestrel asks every connection to close when the host stops; honouring that here is what lets an
/// idle extra connection end at once instead of holding the exit for the host's ShutdownTimeout.
/// <see cref="ConnectionContext.ConnectionClosed"/> is deliberately not linked: the socket transport
/// fires it as soon as the client's FIN arrives, so a client that sends its message and ends its
/// output at once (<c>nc -N</c>) would have the read of that message cancelled. The end of input and
/// a reset reach the read through the pipe itself.
/// </remarks>
internal sealed class ReadDeadline : IDisposable
{
    private readonly CancellationTokenSource _timeout;
    private readonly CancellationTokenSource _linked;

    public ReadDeadline(ConnectionContext connection, TimeSpan timeout, TimeProvider time)
    {
        _timeout = timeout > TimeSpan.Zero ? new CancellationTokenSource(timeout, time) : new CancellationTokenSource();
        _linked = CancellationTokenSource.CreateLinkedTokenSource(_timeout.Token, Closing(connection));
    }

    public CancellationToken Token => _linked.Token;

    /// <summary>Cancelled when Kestrel asks the connection to close (the host is stopping).</summary>
    public static CancellationToken Closing(ConnectionContext connection) =>
        connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? default;

    /// <summary>True when ReadTimeout, rather than a close, cancelled the token.</summary>
    public bool TimedOut => _timeout.IsCancellationRequested;

    public void Dispose()
    {
        _linked.Dispose();
        _timeout.Dispose();
    }
}
