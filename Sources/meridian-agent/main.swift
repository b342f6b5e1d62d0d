print("meridian-agent")
