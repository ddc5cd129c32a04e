using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KestrelOneShot.ProxyProtocol;

internal static class ListenOptionsProxyProtocolExtensions
{
    /// <summary>
    /// Reads a PROXY protocol header (v1 or v2) ahead of the rest of the endpoint's pipeline, which
    /// then sees the original client as the connection's remote endpoint and the header as a
    /// <see cref="ProxyHeader"/> feature. Put it before <c>UseHttps</c>: proxies send the header
    /// before the TLS handshake. <see cref="ProxyProtocolMode.Off"/> adds nothing.
    /// </summary>
    public static ListenOptions UseProxyProtocol(this ListenOptions listenOptions, ProxyProtocolOptions options)
    {
        if (options.Mode == ProxyProtocolMode.Off)
        {
            return listenOptions;
        }

        var services = listenOptions.ApplicationServices;
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger<ProxyProtocolMiddleware>();
        listenOptions.Use(next => new ProxyProtocolMiddleware(next, options.Mode, options.HeaderTimeout, time, logger).OnConnectionAsync);
        return listenOptions;
    }
}
