using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;

using KestrelOneShot.InMemory;
using KestrelOneShot.ProxyProtocol;
using KestrelOneShot.Testing.Hosting;

namespace KestrelOneShot.Tests.Testing;

/// <summary>The kit's clients against the product in memory: what a user of the package would write.</summary>
public sealed class KitClientsTests
{
    private static readonly IPEndPoint Client = IPEndPoint.Parse("203.0.113.7:51000");
    private static readonly IPEndPoint Destination = IPEndPoint.Parse("127.0.0.1:9999");

    [Fact]
    public void TheHeadersAreTheOnesTheSpecificationDescribes()
    {
        Assert.Equal("PROXY TCP4 203.0.113.7 127.0.0.1 51000 9999\r\n", Encoding.ASCII.GetString(ProxyHeaders.V1(Client, Destination)));

        var v2 = ProxyHeaders.V2(IPEndPoint.Parse("[2001:db8::1]:443"), IPEndPoint.Parse("[::1]:9999"), new ProxyHeaderTlv(ProxyTlvTypes.Authority, "oneshot.test"u8.ToArray()));
        Assert.Equal(ProxyParseStatus.Complete, ProxyHeaderParser.TryParse(new(v2), out var header, out _, out _));
        Assert.Equal(IPEndPoint.Parse("[2001:db8::1]:443"), header!.Source);
        Assert.Equal("oneshot.test", ProxyTlvValues.Decode(header.Tlvs).Authority);

        Assert.Equal(ProxyParseStatus.Complete, ProxyHeaderParser.TryParse(new(ProxyHeaders.V2Local()), out var local, out _, out _));
        Assert.Equal(ProxyCommand.Local, local!.Command);
    }

    [Fact]
    public async Task AProxyHeaderThenTlsReachTheProductInMemory()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var certificateFile = Path.Combine(Path.GetTempPath(), $"oneshot-kit-{Guid.NewGuid():N}.pem");
        try
        {
            await using var server = await InMemoryOneShotServer.StartAsync(["--proxy-protocol", "required", "--tls", "--tls-cert-out", certificateFile], cancellation).Within();
            var certificate = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(certificateFile, cancellation));
            await using var connection = await server.ConnectAsync(cancellationToken: cancellation).Within();

            await connection.Transport.Output.WriteAsync(ProxyHeaders.V2(Client, Destination), cancellation);
            await using var tls = await connection.AuthenticateAsClientAsync(certificate, "oneshot.test", cancellationToken: cancellation).Within();
            var answer = await TlsClient.ExchangeAsync(tls, "through the kit\n");
            var run = await server.Completion.Within();

            Assert.Equal("Good talking to you\n", answer);
            Assert.Equal("through the kit", run.Message);
            Assert.Contains(run.Logs, l => l.Contains($"from {Client} via proxy ", StringComparison.Ordinal) && l.Contains("(SNI oneshot.test)", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(certificateFile);
        }
    }
}
