namespace Build.Host;

/// <summary>A mistake in how the build app is put together (a task the host cannot register), not a build failure.</summary>
public sealed class FrostingException : Exception
{
    public FrostingException()
    {
    }

    public FrostingException(string message)
        : base(message)
    {
    }

    public FrostingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
