using System.Runtime.InteropServices;

namespace KestrelOneShot.Output;

internal static class IOFailure
{
    /// <summary>Why a file or stream operation failed, in the operating system's words.</summary>
    public static string Reason(Exception exception) => exception switch
    {
        DirectoryNotFoundException => "the directory does not exist",
        UnauthorizedAccessException => "permission denied",
        // On Unix an IOException carries the errno as its HResult.
        IOException { HResult: > 0 and < 4096 } io => Marshal.GetPInvokeErrorMessage(io.HResult),
        _ => exception.GetType().Name,
    };
}
