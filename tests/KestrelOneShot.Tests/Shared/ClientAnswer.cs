namespace KestrelOneShot.Tests;

/// <summary>What a client read until the server closed, and whether it closed with a reset.</summary>
public sealed record ClientAnswer(byte[] Bytes, bool Reset)
{
    public string Text => System.Text.Encoding.UTF8.GetString(Bytes);
}
