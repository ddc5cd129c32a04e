using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

using KestrelOneShot.Configuration;
using KestrelOneShot.Run;
using KestrelOneShot.Tls;

using Microsoft.Extensions.Options;

namespace KestrelOneShot.Hosting;

/// <summary>
/// Turns what can go wrong into an exit code and one line for the operator, by the exception's type
/// and error code, never by its wording.
/// </summary>
internal static class StartupFailure
{
    /// <param name="failedEndPoint">The endpoint whose bind failed, when one did.</param>
    public static (int ExitCode, string Message) Describe(Exception exception, EndPoint? failedEndPoint) => exception switch
    {
        OptionsValidationException validation => (ExitCodes.InvalidConfiguration, string.Join("; ", validation.Failures)),
        TlsSetupException tls => (ExitCodes.InvalidConfiguration, TlsOption(tls.Input).Invalid(tls.Path, tls.Reason)),
        _ when failedEndPoint is not null && Find<SocketException>(exception) is { } socket =>
            (ExitCodes.CannotListen, $"cannot listen on {failedEndPoint}: {Reason(socket)}"),
        _ => (ExitCodes.UnexpectedFailure, $"unexpected failure: {exception.GetType().Name}: {exception.Message}"),
    };

    private static OneShotOption<string?> TlsOption(TlsInput input) => input switch
    {
        TlsInput.Certificate => OneShotOption.TlsCertificate,
        TlsInput.Key => OneShotOption.TlsKey,
        TlsInput.ClientCa => OneShotOption.TlsClientCa,
        _ => OneShotOption.TlsCertificateOut,
    };

    private static string Reason(SocketException socket) => socket.SocketErrorCode switch
    {
        SocketError.AddressAlreadyInUse => "address already in use",
        SocketError.AccessDenied => "permission denied",
        SocketError.AddressNotAvailable => "address not available on this machine",
        _ => socket.Message,
    };

    private static T? Find<T>(Exception? exception)
        where T : Exception
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is T found)
            {
                return found;
            }
        }

        return null;
    }
}
