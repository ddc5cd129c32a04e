using System.Text;

using Microsoft.Win32.SafeHandles;

namespace KestrelOneShot.Output;

/// <summary>The process's own stdout and stderr, as writers that report a broken pipe.</summary>
public static class StandardStreams
{
    /// <summary>
    /// stdout over its file descriptor. <see cref="Console.Out"/> would do, except that on Unix it
    /// swallows EPIPE, and the message line would then be lost without a word when stdout's reader is gone.
    /// </summary>
    public static TextWriter OpenStdout()
    {
        if (OperatingSystem.IsWindows())
        {
            return Console.Out;
        }

        try
        {
            var stream = new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, bufferSize: 0);
            return new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\n" };
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return Console.Out; // No usable descriptor 1 (closed at start): the console's writer discards quietly.
        }
    }
}
