using Microsoft.Extensions.Logging;

namespace KestrelOneShot.Tls;

internal static partial class TlsLog
{
    [LoggerMessage(40, LogLevel.Information, "TLS certificate {Subject}, SHA-256 {Sha256} ({Origin}, valid until {NotAfter:u})", EventName = "Certificate")]
    public static partial void Certificate(ILogger logger, string subject, string sha256, string origin, DateTimeOffset notAfter);

    [LoggerMessage(41, LogLevel.Warning, "The TLS certificate is not valid now (valid {NotBefore:u} to {NotAfter:u}); serving it anyway", EventName = "CertificateNotValidNow")]
    public static partial void CertificateNotValidNow(ILogger logger, DateTimeOffset notBefore, DateTimeOffset notAfter);

    [LoggerMessage(42, LogLevel.Warning, "Client certificate {Subject} rejected: {Reason}", EventName = "ClientCertificateRejected")]
    public static partial void ClientCertificateRejected(ILogger logger, string subject, string reason);

    [LoggerMessage(43, LogLevel.Warning, "Connection {ConnectionId} from {Remote} closed: {Reason}", EventName = "NotTls")]
    public static partial void NotTls(ILogger logger, string connectionId, System.Net.EndPoint? remote, string reason);
}
