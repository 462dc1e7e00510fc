namespace Build.Locking;

/// <summary>A lock input or output Kiln cannot use; the message names the file and says what to do.</summary>
public sealed class LockException(string message) : Exception(message);
