using Yarp.ReverseProxy.Forwarder;

namespace KestrelOneShot.Tests;

/// <summary>
/// YARP's own client factory (its handler settings, per-cluster <c>HttpClientConfig</c>) with its
/// connections made through an in-memory network: the recipe of the transport's README, as users
/// write it.
/// </summary>
internal sealed class InMemoryForwarderHttpClientFactory(Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> connect) : ForwarderHttpClientFactory
{
    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        handler.ConnectCallback = connect;
    }
}
