"""The phone line (Twilio Programmable Voice): routes, call state, TwiML rendering."""
