using System.Net;

using KestrelOneShot.Configuration;
using KestrelOneShot.ConnectionHandling;
using KestrelOneShot.Http;
using KestrelOneShot.ProxyProtocol;
using KestrelOneShot.Run;
using KestrelOneShot.Tls;

using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KestrelOneShot.Hosting;

/// <summary>
/// Declares the endpoints chosen by <c>OneShot:Address</c> and <c>OneShot:Port</c>, each with the
/// one connection pipeline.
/// </summary>
internal sealed class KestrelListenSetup(
    IOptions<OneShotOptions> options,
    OneShotRun run,
    IServiceProvider services,
    IConfiguration configuration,
    ILogger<KestrelListenSetup> logger) : IConfigureOptions<KestrelServerOptions>
{
    /// <summary>The web host's own address keys (from <c>--urls</c> or <c>ASPNETCORE_…</c>), with how an operator would have set them.</summary>
    private static readonly (string Key, string Source)[] WebHostAddressKeys =
    [
        ("urls", "--urls / ASPNETCORE_URLS"), ("http_ports", "ASPNETCORE_HTTP_PORTS"), ("https_ports", "ASPNETCORE_HTTPS_PORTS"),
    ];

    public void Configure(KestrelServerOptions kestrel)
    {
        foreach (var (key, source) in WebHostAddressKeys)
        {
            if (configuration[key] is { Length: > 0 } value)
            {
                HostingLog.WebHostAddressIgnored(logger, source, value);
            }
        }

        // The web host's Kestrel setup would do this; connection handlers and middleware come from here.
        kestrel.ApplicationServices = services;
        var settings = options.Value;
        if (settings.ProxyProtocol == ProxyProtocolMode.Optional)
        {
            HostingLog.OptionalProxyProtocol(logger);
        }

        if (settings.Http)
        {
            kestrel.ListenHandoffEndpoints();
            // Proxies send the scheme their client used (HAProxy's h2 checks say https over h2c):
            // a staging backend takes it as sent, and the report shows it.
            kestrel.AllowAlternateSchemes = true;
        }

        switch (settings.Address.ToLowerInvariant())
        {
            case OneShotOptions.LocalhostAddress:
                // What ListenLocalhost does, one listener per loopback address, so that Kestrel
                // reports each bound endpoint (ListenLocalhost reports "localhost:port" only, and
                // refuses port 0: here both loopbacks share one free port).
                var port = settings.Port == 0 ? LoopbackPort.FindFree() : settings.Port;
                foreach (var loopback in LoopbackPort.Addresses)
                {
                    kestrel.Listen(loopback, port, Pipeline);
                }

                break;
            case OneShotOptions.AnyAddress:
                // Inside a container "this machine" would mislead: the container has interfaces of
                // its own, reachable from its network (the variable is the .NET images' convention,
                // set by ours too).
                if (Environment.GetEnvironmentVariable("DOTNET_RUNNING_IN_CONTAINER") == "true")
                {
                    HostingLog.EveryContainerInterface(logger);
                }
                else
                {
                    HostingLog.EveryInterface(logger);
                }

                kestrel.ListenAnyIP(settings.Port, Pipeline);
                break;
            default:
                kestrel.Listen(IPAddress.Parse(settings.Address), settings.Port, Pipeline);
                break;
        }
    }

    /// <summary>
    /// Every endpoint's connection pipeline, in the order the bytes meet it, ending in what serves the
    /// shot: the connection handler (raw TCP) or Kestrel's HTTP layer (<c>--http</c>). The one place the
    /// pipeline is composed.
    /// </summary>
    private void Pipeline(ListenOptions listen)
    {
        var settings = options.Value;
        listen.UseRejectionRecording(run, services.GetRequiredService<TimeProvider>())
            .UseProxyProtocol(new ProxyProtocolOptions { Mode = settings.ProxyProtocol, HeaderTimeout = settings.ReadTimeout })
            .UseTlsWhen(settings.UsesTls, () => services.GetRequiredService<TlsEndpointSetup>().Options);
        if (settings.Http)
        {
            listen.UseOneShotHttp(settings.ReadTimeout);
        }
        else
        {
            listen.UseConnectionHandler<OneShotConnectionHandler>();
        }
    }
}
