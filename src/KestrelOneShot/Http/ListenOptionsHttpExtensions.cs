using KestrelOneShot.Transports;

using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KestrelOneShot.Http;

internal static class ListenOptionsHttpExtensions
{
    /// <summary>
    /// Ends the endpoint's pipeline in Kestrel's HTTP layer: HTTP/1.x and HTTP/2 (h2c with prior
    /// knowledge on the same cleartext port, h2 by ALPN over TLS), chosen per connection by
    /// <see cref="HttpDispatchMiddleware"/>. The in-process endpoints it hands connections to are
    /// declared by <see cref="ListenHandoffEndpoints"/>.
    /// </summary>
    public static ListenOptions UseOneShotHttp(this ListenOptions listenOptions, TimeSpan readTimeout)
    {
        var services = listenOptions.ApplicationServices;
        var dispatch = new HttpDispatchMiddleware(
            services.GetRequiredService<HandoffTransport>(),
            services.GetRequiredService<KestrelRefusals>(),
            readTimeout,
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(HttpDispatchMiddleware).Namespace!));
        listenOptions.Use(_ => dispatch.OnConnectionAsync);
        return listenOptions;
    }

    /// <summary>Where Kestrel's HTTP/1.x and HTTP/2 layers take the connections <see cref="UseOneShotHttp"/> hands over.</summary>
    public static void ListenHandoffEndpoints(this KestrelServerOptions kestrel)
    {
        kestrel.Listen(HttpDispatchMiddleware.Http1, listen => listen.Protocols = HttpProtocols.Http1);
        kestrel.Listen(HttpDispatchMiddleware.Http2, listen => listen.Protocols = HttpProtocols.Http2);
    }
}
