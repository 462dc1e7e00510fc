namespace Build;

public enum BuildMode
{
    Local,
    Ci,
}
