using System.Text;

using Microsoft.Win32.SafeHandles;

namespace KestrelOneShot.Output;

/// <summary>The process's own stdout and stderr, as writers that report a broken pipe.</summary>
internal static class StandardStreams
{
    /// <summary>
    /// stdout over its file descriptor. <see cref="Console.Out"/> would do, except that on Unix it
    /// swallows EPIPE, and the message line would then be lost without a word when stdout's reader is gone.
    /// </summary>
    public static TextWriter OpenStdout() => Open(1) ?? Console.Out;

    /// <summary>
    /// stderr over its file descriptor, opened at start: the console's writer opens a descriptor of
    /// its own and may load more on first use, which a process out of descriptors can no longer do,
    /// and then its last word would be lost.
    /// </summary>
    public static TextWriter OpenStderr() => Open(2) ?? Console.Error;

    private static StreamWriter? Open(int descriptor)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        try
        {
            var stream = new FileStream(new SafeFileHandle(descriptor, ownsHandle: false), FileAccess.Write, bufferSize: 0);
            return new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\n" };
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return null; // Not open at start: the console's writer discards quietly.
        }
    }
}
