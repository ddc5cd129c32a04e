using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KestrelOneShot.Tests;

/// <summary>
/// Certificates made at test time, none committed: a CA, a server certificate and a client
/// certificate it signed, and a client it did not; each also as PEM files in a folder of its own.
/// </summary>
internal sealed class TestCertificates : IDisposable
{
    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    private static readonly Lazy<TestCertificates> SharedSet = new(() => new TestCertificates());

    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    private TestCertificates()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("oneshot-certs-").FullName;
        var caRequest = new CertificateRequest("CN=KestrelOneShot Test CA", _caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        Ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));

        ServerRsa = Issue("CN=localhost", RSA.Create(2048), ServerAuthentication, now.AddDays(-1), now.AddDays(30));
        ServerEc = Issue("CN=localhost", ECDsa.Create(ECCurve.NamedCurves.nistP256), ServerAuthentication, now.AddDays(-1), now.AddDays(30));
        Expired = Issue("CN=localhost", ECDsa.Create(ECCurve.NamedCurves.nistP256), ServerAuthentication, now.AddDays(-10), now.AddDays(-2));
        ClientOnly = Issue("CN=localhost", ECDsa.Create(ECCurve.NamedCurves.nistP256), ClientAuthentication, now.AddDays(-1), now.AddDays(30));
        Client = Issue("CN=client.test", ECDsa.Create(ECCurve.NamedCurves.nistP256), ClientAuthentication, now.AddDays(-1), now.AddDays(30));
        using var strangerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var strangerRequest = new CertificateRequest("CN=stranger.test", strangerKey, HashAlgorithmName.SHA256);
        strangerRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ClientAuthentication)], false));
        Stranger = strangerRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));

        File.WriteAllText(CaPem, Ca.ExportCertificatePem() + "\n");
        // The leaf first, then its chain, as a server's certificate file is laid out.
        File.WriteAllText(ServerRsaPem, ServerRsa.ExportCertificatePem() + "\n" + Ca.ExportCertificatePem() + "\n");
        File.WriteAllText(ServerRsaPkcs1Key, ServerRsa.GetRSAPrivateKey()!.ExportRSAPrivateKeyPem() + "\n");
        File.WriteAllText(ServerEcPem, ServerEc.ExportCertificatePem() + "\n");
        File.WriteAllText(ServerEcSec1Key, ServerEc.GetECDsaPrivateKey()!.ExportECPrivateKeyPem() + "\n");
        File.WriteAllText(ServerEcPkcs8Key, ServerEc.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem() + "\n");
        File.WriteAllText(ExpiredPem, Expired.ExportCertificatePem() + "\n");
        File.WriteAllText(ExpiredKey, Expired.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem() + "\n");
        File.WriteAllText(ClientOnlyPem, ClientOnly.ExportCertificatePem() + "\n");
        File.WriteAllText(ClientOnlyKey, ClientOnly.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem() + "\n");
        // For programs (HAProxy) that take the certificate and its key in one file.
        File.WriteAllText(ClientCombinedPem, Client.ExportCertificatePem() + "\n" + Client.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem() + "\n");
        File.WriteAllText(ServerCombinedPem, ServerEc.ExportCertificatePem() + "\n" + ServerEc.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem() + "\n");
    }

    /// <summary>One set for the whole test run: making RSA keys is the slow part.</summary>
    public static TestCertificates Shared => SharedSet.Value;

    public string Directory { get; }

    public X509Certificate2 Ca { get; }

    public X509Certificate2 ServerRsa { get; }

    public X509Certificate2 ServerEc { get; }

    public X509Certificate2 Expired { get; }

    /// <summary>Signed by the CA, but for client authentication only.</summary>
    public X509Certificate2 ClientOnly { get; }

    public X509Certificate2 Client { get; }

    /// <summary>A client certificate the CA did not sign.</summary>
    public X509Certificate2 Stranger { get; }

    public string CaPem => Path.Combine(Directory, "ca.pem");

    public string ServerRsaPem => Path.Combine(Directory, "server-rsa.pem");

    public string ServerRsaPkcs1Key => Path.Combine(Directory, "server-rsa.key");

    public string ServerEcPem => Path.Combine(Directory, "server-ec.pem");

    public string ServerEcSec1Key => Path.Combine(Directory, "server-ec.sec1.key");

    public string ServerEcPkcs8Key => Path.Combine(Directory, "server-ec.pkcs8.key");

    public string ExpiredPem => Path.Combine(Directory, "expired.pem");

    public string ExpiredKey => Path.Combine(Directory, "expired.key");

    public string ClientOnlyPem => Path.Combine(Directory, "client-only.pem");

    public string ClientOnlyKey => Path.Combine(Directory, "client-only.key");

    public string ClientCombinedPem => Path.Combine(Directory, "client-combined.pem");

    public string ServerCombinedPem => Path.Combine(Directory, "server-combined.pem");

    public void Dispose()
    {
        _caKey.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private X509Certificate2 Issue(string subject, AsymmetricAlgorithm key, string usage, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var request = key switch
        {
            RSA rsa => new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            _ => new CertificateRequest(subject, (ECDsa)key, HashAlgorithmName.SHA256),
        };
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(subject[3..]);
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        // Signed with the CA's key whatever the leaf's algorithm.
        using var issued = request.Create(Ca.SubjectName, X509SignatureGenerator.CreateForECDsa(_caKey), notBefore, notAfter, serial);
        return key switch
        {
            RSA rsa => issued.CopyWithPrivateKey(rsa),
            _ => issued.CopyWithPrivateKey((ECDsa)key),
        };
    }
}
