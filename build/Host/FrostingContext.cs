using Cake.Core;

namespace Build.Host;

public interface IFrostingContext : ICakeContext;

public class FrostingContext(ICakeContext context) : CakeContextAdapter(context), IFrostingContext;
