using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KestrelOneShot.Tls;

internal static class ListenOptionsTlsExtensions
{
    /// <summary>
    /// TLS 1.2 and 1.3 on a raw TCP endpoint, through Kestrel's own TLS middleware (<c>UseHttps</c>),
    /// with ALPN only as <paramref name="options"/> says: Kestrel would otherwise offer h2 and
    /// http/1.1, which a raw endpoint does not speak. A failed handshake never reaches the rest of
    /// the pipeline, and a connection that begins with anything but a TLS record never reaches the
    /// handshake (<see cref="ClientHelloCheckMiddleware"/>). After <c>UseProxyProtocol</c>: proxies send
    /// the header before the handshake.
    /// </summary>
    public static ListenOptions UseTls(this ListenOptions listenOptions, TlsOptions options)
    {
        var logger = listenOptions.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ListenOptionsTlsExtensions).Namespace!);
        var protocols = options.ApplicationProtocols?.Select(id => new SslApplicationProtocol(id)).ToList();
        var https = new HttpsConnectionAdapterOptions
        {
            ServerCertificate = options.Certificate.Certificate,
            ServerCertificateChain = options.Certificate.Chain,
            SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            HandshakeTimeout = options.HandshakeTimeout,
            CheckCertificateRevocation = false,
            // Runs after Kestrel has filled in the options for the endpoint.
            OnAuthenticate = (_, ssl) => ssl.ApplicationProtocols = protocols,
        };
        if (options.ClientCertificateAuthorities is { } authorities)
        {
            https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
            https.ClientCertificateValidation = (certificate, _, _) => ClientCertificateAuthorities.Accept(certificate, authorities, logger);
        }

        var time = listenOptions.ApplicationServices.GetRequiredService<TimeProvider>();
        listenOptions.Use(next => new ClientHelloCheckMiddleware(next, options.HandshakeTimeout > TimeSpan.Zero ? options.HandshakeTimeout : TimeSpan.Zero, time, logger).OnConnectionAsync);
        return listenOptions.UseHttps(https);
    }

    /// <summary><see cref="UseTls"/> when <paramref name="enabled"/>; the options are asked for only then.</summary>
    public static ListenOptions UseTlsWhen(this ListenOptions listenOptions, bool enabled, Func<TlsOptions> options) =>
        enabled ? listenOptions.UseTls(options()) : listenOptions;
}
