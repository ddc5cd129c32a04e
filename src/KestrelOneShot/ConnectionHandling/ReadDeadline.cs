using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace KestrelOneShot.ConnectionHandling;

/// <summary>
/// The token for a connection's first reads: cancelled by ReadTimeout (zero: never), by Kestrel
/// asking the connection to close, or by the connection closing.
/// </summary>
/// <remarks>
/// Kestrel asks every connection to close when the host stops; honouring that here is what lets an
/// idle extra connection end at once instead of holding the exit for the host's ShutdownTimeout.
/// </remarks>
internal sealed class ReadDeadline : IDisposable
{
    private readonly CancellationTokenSource _timeout;
    private readonly CancellationTokenSource _linked;

    public ReadDeadline(ConnectionContext connection, TimeSpan timeout, TimeProvider time)
    {
        _timeout = timeout > TimeSpan.Zero ? new CancellationTokenSource(timeout, time) : new CancellationTokenSource();
        var closing = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? default;
        _linked = CancellationTokenSource.CreateLinkedTokenSource(_timeout.Token, closing, connection.ConnectionClosed);
    }

    public CancellationToken Token => _linked.Token;

    /// <summary>True when ReadTimeout, rather than a close, cancelled the token.</summary>
    public bool TimedOut => _timeout.IsCancellationRequested;

    public void Dispose()
    {
        _linked.Dispose();
        _timeout.Dispose();
    }
}
