using System.Net;

using Microsoft.AspNetCore.Connections;

namespace KestrelOneShot.Hosting;

/// <summary>
/// Wraps the transport Kestrel binds with and remembers the endpoint whose bind failed, so the
/// one-line error names it without reading it back out of an exception's message.
/// </summary>
internal sealed class ListenFailureRecorder(IConnectionListenerFactory transport) : IConnectionListenerFactory
{
    /// <summary>The endpoint of the last bind that failed; null when none did.</summary>
    public EndPoint? FailedEndPoint { get; private set; }

    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        try
        {
            return await transport.BindAsync(endpoint, cancellationToken);
        }
        catch
        {
            FailedEndPoint = endpoint;
            throw;
        }
    }
}
