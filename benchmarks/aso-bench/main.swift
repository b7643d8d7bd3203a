print("aso-bench")
